"""Helpers shared by the simulator tests (test_*.py in this folder). Python 3 standard library only.

    SimProcess      a simulator of this folder as a subprocess, listening on the port its
                    `PORT <n>` line names; stop() sends a signal and returns the exit code
    openssl_cert    a self-signed certificate made by the same openssl call as the Swift tests
    make_cert       make_cert.sh: self-signed or CA-signed, returns the SHA-256 fingerprint
    request         one HTTP(S) request with urllib: (status, reason, headers, body bytes),
                    error statuses included
"""

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERT = os.path.join(HERE, "make_cert.sh")


def script_path(script):
    """The path of a simulator of this folder ("aoss_sim.py")."""
    return os.path.join(HERE, script)


class SimProcess:
    """`script` (a file of this folder) run by path with `args` and `--port 0`; `port` once it
    printed exactly `PORT <n>`."""

    def __init__(self, script, args=()):
        argv = [sys.executable, script_path(script)] + list(args) + ["--port", "0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.fullmatch(r"PORT (\d+)\n", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            err = self.proc.stderr.read()
            self._close()
            raise RuntimeError("%s did not start: %r %s" % (script, line, err))
        self.port = int(m.group(1))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig` (unless it already exited) and returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self._close()

    def _close(self):
        self.proc.stdout.close()
        self.proc.stderr.close()


def openssl_cert(directory):
    """DIR/cert.pem + DIR/key.pem, self-signed for localhost/127.0.0.1 by the same openssl call as
    TestCertificate in Tests/TestSupport/Simulator.swift; returns (cert, key)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def make_cert(directory, ca=False):
    """make_cert.sh DIR [--ca]: DIR/cert.pem + DIR/key.pem (and DIR/ca.pem with ca); returns the
    certificate's SHA-256 fingerprint as AB:CD:..."""
    args = ["bash", MAKE_CERT, directory] + (["--ca"] if ca else [])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def request(url, method="GET", data=None, headers=None, context=None, timeout=5):
    """(status, reason, headers, body bytes); a 4xx/5xx answer is returned, not raised."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=context, timeout=timeout) as resp:
            return resp.status, resp.reason, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.reason, err.headers, err.read()
