#!/usr/bin/env bash
# Makes a TLS certificate for the simulators and prints its SHA-256 fingerprint.
#
#   make_cert.sh DIR         self-signed: DIR/cert.pem + DIR/key.pem
#   make_cert.sh DIR --ca    a CA (DIR/ca.pem + DIR/ca-key.pem) and a server certificate signed
#                            by it: DIR/cert.pem + DIR/key.pem
#
# The server certificate is for CN=localhost with subjectAltName DNS:localhost,IP:127.0.0.1.
# The one line printed on stdout is the server certificate's SHA-256 fingerprint in the form
# Proxmox VE shows (`ssl_fingerprint` of GET /nodes): AB:CD:...:EF (32 upper-case hex pairs).
set -euo pipefail

usage() { echo "usage: $0 DIR [--ca]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
ca=0
if [ $# -eq 2 ]; then
    [ "$2" = "--ca" ] || usage
    ca=1
fi
mkdir -p "$dir"
days=30
san="subjectAltName=DNS:localhost,IP:127.0.0.1"

if [ "$ca" -eq 0 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
        -subj "/CN=localhost" -addext "$san" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
else
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
        -subj "/CN=PolicyOps Test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -subj "/CN=localhost" \
        -keyout "$dir/key.pem" -out "$dir/server.csr" 2>/dev/null
    ext=$(mktemp)
    trap 'rm -f "$ext"' EXIT
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "$san" > "$ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
        -CAcreateserial -sha256 -days "$days" -extfile "$ext" -out "$dir/cert.pem" 2>/dev/null
    rm -f "$dir/server.csr" "$dir/ca.srl"
fi
chmod 600 "$dir/key.pem"

# "sha256 Fingerprint=AB:CD:..." (the prefix's spelling differs between OpenSSL versions).
openssl x509 -in "$dir/cert.pem" -noout -fingerprint -sha256 | sed 's/^.*=//'
