#!/usr/bin/env python3
"""Webhook receiver for the PolicyOps `webhook` driver tests. Python 3 standard library only.

    python3 webhook_receiver.py [--port 0] [--bind 127.0.0.1] [--cert C --key K]
                                [--status 200] [--delay-ms 0] [--idle-timeout 30] [--verbose]

Prints exactly one line `PORT <n>` on stdout once listening, then serves (HTTPS when --cert and
--key are given, else HTTP) until SIGTERM or SIGINT, and exits 0.

Every request on any path outside /_sim/ and with any method is recorded, then (after the
configured delay) answered with the configured status and a small JSON body
{"ok": <2xx?>, "status": <status>, "seq": <n>} (no body for HEAD, 204 and 304). A test of
what a client keeps of an answer sets its own: "reason" (the status line's reason phrase),
"body" and "content_type" (the body sent instead, text), "location" (a Location header, for
a redirect the client must not follow); null puts the default back.

A connection left idle for --idle-timeout seconds (30, as the other simulators; 0: never) is
closed by the server, as real servers close idle keep-alive connections. A test about the
client keeping its connections passes 0, so that only the client decides when one is replaced.

The raw body is kept byte for byte: "body_base64" is exact (chunked bodies are de-chunked),
"body" is the same bytes decoded as UTF-8 (invalid sequences replaced), so a test can
recompute an HMAC-SHA256 signature over exactly what the client sent.

Control API (never recorded, never delayed):

    GET  /_sim/requests        JSON array of the recorded requests
    POST /_sim/reset-requests  forget them (numbering restarts at 1)
    GET  /_sim/config          {"status": ..., "delay_ms": ...} and the text keys that are set
    POST /_sim/config          {"status": 503, "delay_ms": 0, ...} (any of the keys), answers the new config

The HTTP server plumbing (threads, TLS, the command line's common options, the PORT line and
the exit on signals) is simserver.py's.
"""

import argparse
import base64
import hashlib
import json
import sys
import threading
import time
from urllib.parse import urlsplit

import simserver

NO_BODY_STATUSES = (204, 304)
TEXT_KEYS = ("reason", "body", "content_type", "location")


class Receiver:
    def __init__(self, status, delay_ms):
        self.lock = threading.Lock()
        self.status = status
        self.delay_ms = delay_ms
        self.text = dict.fromkeys(TEXT_KEYS)
        self.requests = []
        self.seq = 0

    def config(self):
        with self.lock:
            config = {"status": self.status, "delay_ms": self.delay_ms}
            config.update((k, v) for k, v in self.text.items() if v is not None)
            return config

    def set_config(self, patch):
        status = patch.get("status", self.status)
        delay_ms = patch.get("delay_ms", self.delay_ms)
        unknown = set(patch) - {"status", "delay_ms"} - set(TEXT_KEYS)
        if unknown:
            raise ValueError("unknown config keys: %s" % ", ".join(sorted(unknown)))
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError("status must be an integer 100-599")
        if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)) or delay_ms < 0:
            raise ValueError("delay_ms must be a number >= 0")
        for key in TEXT_KEYS:
            value = patch.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError("%s must be a string or null" % key)
            if key in ("reason", "content_type", "location") and value is not None and any(c in value for c in "\r\n"):
                raise ValueError("%s must be one line" % key)
        with self.lock:
            self.status, self.delay_ms = status, delay_ms
            for key in TEXT_KEYS:
                if key in patch:
                    self.text[key] = patch[key]

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.requests.append(entry)
            return self.seq, self.status, self.delay_ms, dict(self.text)

    def log(self):
        with self.lock:
            return [dict(e) for e in self.requests]

    def reset(self):
        with self.lock:
            n = len(self.requests)
            self.requests.clear()
            self.seq = 0
            return n


class Handler(simserver.Handler):
    server_version = "webhook-receiver"
    log_name = "webhook-receiver"

    def send_json(self, status, obj, text=None):
        text = text or {}
        self.send_response(status, text.get("reason"))
        if text.get("location") is not None:
            self.send_header("Location", text["location"])
        if status in NO_BODY_STATUSES:
            self.end_headers()
            return
        if text.get("body") is not None:
            data = text["body"].encode("utf-8")
        else:
            data = json.dumps(obj).encode("utf-8")
        self.send_header("Content-Type", text.get("content_type") or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def dispatch(self):
        recv = self.server.app
        raw, chunked = self.read_body()
        split = urlsplit(self.path)
        if split.path == "/_sim" or split.path.startswith("/_sim/"):
            return self.control(recv, split.path.rstrip("/"), raw)
        entry = {
            "time": time.time(),
            "client_port": self.client_address[1],
            "method": self.command,
            "path": split.path,
            "query": split.query,
            "target": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "header_map": {},
            "body": raw.decode("utf-8", "replace"),
            "body_base64": base64.b64encode(raw).decode("ascii"),
            "body_length": len(raw),
            "body_sha256": hashlib.sha256(raw).hexdigest(),
            "chunked": chunked,
        }
        for k, v in self.headers.items():
            key = k.lower()
            entry["header_map"][key] = entry["header_map"][key] + ", " + v if key in entry["header_map"] else v
        seq, status, delay_ms, text = recv.record(entry)
        if delay_ms > 0:
            time.sleep(delay_ms / 1000.0)
        self.send_json(status, {"ok": 200 <= status < 300, "status": status, "seq": seq}, text)

    def control(self, recv, path, raw):
        route = (self.command, path)
        if route == ("GET", "/_sim/requests"):
            return self.send_json(200, recv.log())
        if route == ("POST", "/_sim/reset-requests"):
            return self.send_json(200, {"cleared": recv.reset()})
        if route == ("GET", "/_sim/config"):
            return self.send_json(200, recv.config())
        if route == ("POST", "/_sim/config"):
            try:
                patch = json.loads(raw.decode("utf-8") or "{}")
                if not isinstance(patch, dict):
                    raise ValueError("the body must be a JSON object")
                recv.set_config(patch)
            except (UnicodeDecodeError, ValueError) as exc:
                return self.send_json(400, {"message": "control: %s" % exc})
            return self.send_json(200, recv.config())
        return self.send_json(404, {"message": "control: no such endpoint %s %s" % route})


def main(argv=None):
    ap = argparse.ArgumentParser(description="webhook receiver")
    simserver.add_listen_arguments(ap)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--idle-timeout", type=float, default=simserver.Handler.timeout,
                    help="seconds an idle connection is kept open (0: never closed)")
    simserver.add_verbose_argument(ap)
    args = simserver.parse_args(ap, argv)
    receiver = Receiver(200, 0)
    try:
        receiver.set_config({"status": args.status, "delay_ms": args.delay_ms})
    except ValueError as exc:
        ap.error(str(exc))
    context = simserver.ssl_context(args.cert, args.key)
    if args.idle_timeout < 0:
        ap.error("--idle-timeout must be >= 0")
    server = simserver.Server((args.bind, args.port), Handler, receiver, context, args.verbose,
                              idle_timeout=args.idle_timeout or None)
    return simserver.serve(server)


if __name__ == "__main__":
    sys.exit(main())
