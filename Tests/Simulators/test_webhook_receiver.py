"""Tests of webhook_receiver.py, over HTTPS with urllib and a context trusting a fresh self-signed cert.

    python3 -m unittest discover -s Tests/Simulators -p 'test_*.py'
"""

import base64
import hashlib
import hmac
import http.client
import json
import signal
import ssl
import tempfile
import time
import unittest

from simtest import SimProcess, openssl_cert, request

SCRIPT = "webhook_receiver.py"


def call(base, context, method, path, data=None, headers=None, timeout=5):
    """(status, headers, body bytes)."""
    status, _, hdrs, body = request(base + path, method, data, headers, context, timeout)
    return status, hdrs, body


class WebhookReceiverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cert, cls.key = openssl_cert(cls.tmp.name)
        cls.sim = SimProcess(SCRIPT, ["--cert", cls.cert, "--key", cls.key])
        cls.port = cls.sim.port
        cls.context = ssl.create_default_context(cafile=cls.cert)
        cls.base = "https://127.0.0.1:%d" % cls.port

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        assert rc == 0, "SIGTERM should exit 0, got %r" % rc

    def setUp(self):
        self.control("POST", "/_sim/config", {"status": 200, "delay_ms": 0, "reason": None, "body": None, "content_type": None, "location": None})
        self.control("POST", "/_sim/reset-requests")

    def call(self, method, path, data=None, headers=None, timeout=5):
        return call(self.base, self.context, method, path, data, headers, timeout)

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        status, _, payload = self.call(method, path, data, {"Content-Type": "application/json"} if data else None)
        return status, json.loads(payload) if payload else None

    def log(self):
        status, log = self.control("GET", "/_sim/requests")
        self.assertEqual(status, 200)
        self.assertIsInstance(log, list)
        return log

    def test_records_signed_json_post_exactly(self):
        secret = b"hook-secret"
        body = json.dumps({"event": "ups.on_battery", "ups": "ups-main", "note": "caf\u00e9 \u26a1"},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        status, hdrs, payload = self.call("POST", "/hooks/ups?src=policyops", body,
                                          {"Content-Type": "application/json", "X-PolicyOps-Signature": signature})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["Content-Type"], "application/json")
        self.assertEqual(json.loads(payload), {"ok": True, "status": 200, "seq": 1})
        (r,) = self.log()
        self.assertEqual((r["method"], r["path"], r["query"], r["target"]),
                         ("POST", "/hooks/ups", "src=policyops", "/hooks/ups?src=policyops"))
        raw = base64.b64decode(r["body_base64"])
        self.assertEqual(raw, body)
        self.assertEqual(r["body"].encode("utf-8"), body)
        self.assertEqual((r["body_length"], r["body_sha256"]), (len(body), hashlib.sha256(body).hexdigest()))
        sent = r["header_map"]["x-policyops-signature"]
        self.assertEqual(sent, "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest())
        # names as sent on the wire (urllib spells it "X-Policyops-Signature")
        self.assertIn(["x-policyops-signature", signature], [[k.lower(), v] for k, v in r["headers"]])
        self.assertEqual(r["header_map"]["content-type"], "application/json")
        self.assertFalse(r["chunked"])

    def test_binary_and_empty_bodies(self):
        blob = bytes(range(256)) + b"\r\n\x00 trailing"
        self.call("PUT", "/bin", blob, {"Content-Type": "application/octet-stream"})
        self.call("POST", "/empty", b"")
        r1, r2 = self.log()
        self.assertEqual(base64.b64decode(r1["body_base64"]), blob)
        self.assertEqual(r1["body_length"], len(blob))
        self.assertEqual((r2["body"], r2["body_base64"], r2["body_length"]), ("", "", 0))

    def test_any_method_and_path(self):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            status, _, payload = self.call(method, "/a/b/%s" % method.lower(), b"x" if method in ("POST", "PUT", "PATCH") else None)
            self.assertEqual(status, 200, method)
        status, hdrs, payload = self.call("HEAD", "/head")
        self.assertEqual((status, payload), (200, b""))
        self.assertEqual([(r["method"], r["path"]) for r in self.log()],
                         [("GET", "/a/b/get"), ("POST", "/a/b/post"), ("PUT", "/a/b/put"), ("PATCH", "/a/b/patch"),
                          ("DELETE", "/a/b/delete"), ("OPTIONS", "/a/b/options"), ("HEAD", "/head")])

    def test_repeated_headers_kept(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=5)
        try:
            conn.putrequest("POST", "/dup")
            conn.putheader("X-Tag", "one")
            conn.putheader("X-Tag", "two")
            conn.putheader("Content-Length", "2")
            conn.endheaders(b"{}")
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()
        (r,) = self.log()
        self.assertEqual([v for k, v in r["headers"] if k == "X-Tag"], ["one", "two"])
        self.assertEqual(r["header_map"]["x-tag"], "one, two")

    def test_chunked_body(self):
        body = b'{"chunked": true, "n": 12345}'
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=5)
        try:
            conn.request("POST", "/chunked", body=iter([body[:7], body[7:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        finally:
            conn.close()
        (r,) = self.log()
        self.assertTrue(r["chunked"])
        self.assertEqual(base64.b64decode(r["body_base64"]), body)

    def test_keep_alive_connection(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=5)
        try:
            for i in range(3):
                conn.request("POST", "/ka", body=b'{"i": %d}' % i, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                self.assertEqual(json.loads(resp.read())["seq"], i + 1)
        finally:
            conn.close()
        self.assertEqual([r["body"] for r in self.log()], ['{"i": 0}', '{"i": 1}', '{"i": 2}'])

    def test_configured_status(self):
        self.assertEqual(self.control("POST", "/_sim/config", {"status": 503}), (200, {"status": 503, "delay_ms": 0}))
        status, hdrs, payload = self.call("POST", "/x", b"{}")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(payload), {"ok": False, "status": 503, "seq": 1})
        self.control("POST", "/_sim/config", {"status": 204})
        status, _, payload = self.call("POST", "/x", b"{}")
        self.assertEqual((status, payload), (204, b""))
        self.control("POST", "/_sim/config", {"status": 201})
        self.assertEqual(self.call("POST", "/x", b"{}")[0], 201)
        self.assertEqual(len(self.log()), 3)  # failed answers are recorded too
        self.assertEqual(self.control("GET", "/_sim/config"), (200, {"status": 201, "delay_ms": 0}))

    def test_configured_delay(self):
        self.control("POST", "/_sim/config", {"delay_ms": 600})
        with self.assertRaises(Exception) as ctx:
            self.call("POST", "/slow", b"{}", timeout=0.2)
        self.assertIn("timed out", str(ctx.exception))
        t0 = time.monotonic()
        self.assertEqual(self.call("POST", "/slow", b"{}", timeout=5)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.6)
        self.assertEqual(len(self.log()), 2)  # recorded on arrival, even when the client gave up

    def test_bad_config_refused(self):
        for body in ({"status": 99}, {"status": "503"}, {"delay_ms": -1}, {"other": 1}, [503]):
            self.assertEqual(self.control("POST", "/_sim/config", body)[0], 400, body)
        self.assertEqual(self.control("GET", "/_sim/config"), (200, {"status": 200, "delay_ms": 0}))

    def test_configured_reason_body_and_location(self):
        config = {"status": 302, "reason": "Found it", "body": "<html>moved</html>", "content_type": "text/html", "location": "http://127.0.0.2:1/x"}
        self.assertEqual(self.control("POST", "/_sim/config", config), (200, dict(config, delay_ms=0)))
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=5)
        try:
            conn.request("POST", "/r", body=b"{}")
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.reason, resp.read()), (302, "Found it", b"<html>moved</html>"))
            self.assertEqual((resp.getheader("Location"), resp.getheader("Content-Type")), ("http://127.0.0.2:1/x", "text/html"))
        finally:
            conn.close()
        self.control("POST", "/_sim/config", {"status": 200, "reason": None, "body": None, "content_type": None, "location": None})
        status, hdrs, payload = self.call("POST", "/r", b"{}")
        self.assertEqual((status, json.loads(payload)["ok"]), (200, True))
        for body in ({"reason": 1}, {"location": "a\r\nX-Injected: 1"}):
            self.assertEqual(self.control("POST", "/_sim/config", body)[0], 400, body)

    def test_control_not_recorded_and_reset(self):
        self.call("POST", "/one", b"1")
        self.control("GET", "/_sim/config")
        self.assertEqual(self.control("GET", "/_sim/nothing")[0], 404)
        self.assertEqual(len(self.log()), 1)
        self.assertEqual(self.control("POST", "/_sim/reset-requests"), (200, {"cleared": 1}))
        self.assertEqual(self.log(), [])


class WebhookReceiverProcessTest(unittest.TestCase):
    def test_command_line_status_delay_http_and_sigint(self):
        sim = SimProcess(SCRIPT, ["--status", "202", "--delay-ms", "150"])
        try:
            t0 = time.monotonic()
            status, _, payload = call("http://127.0.0.1:%d" % sim.port, None, "POST", "/p", b"{}")
            self.assertEqual((status, json.loads(payload)["status"]), (202, 202))
            self.assertGreaterEqual(time.monotonic() - t0, 0.15)
        finally:
            rc = sim.stop(signal.SIGINT)
        self.assertEqual(rc, 0)

    def test_an_ipv6_bind_answers_both_families(self):
        sim = SimProcess(SCRIPT, ["--bind", "::"])
        try:
            for host in ("127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"):
                status, _, _ = call("http://%s:%d" % (host, sim.port), None, "POST", "/p", b"{}")
                self.assertEqual(status, 200, host)
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_idle_timeout_closes_or_keeps_an_idle_connection(self):
        def exchange(conn, i):
            conn.request("POST", "/idle", body=b"{}", headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            self.assertEqual(json.loads(resp.read())["seq"], i)
        short = SimProcess(SCRIPT, ["--idle-timeout", "0.5"])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", short.port, timeout=10)
            exchange(conn, 1)
            t0 = time.monotonic()
            self.assertEqual(conn.sock.recv(1), b"", "the server closes a connection idle beyond --idle-timeout")
            self.assertLess(time.monotonic() - t0, 9)
            conn.close()
        finally:
            self.assertEqual(short.stop(), 0)
        never = SimProcess(SCRIPT, ["--idle-timeout", "0"])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", never.port, timeout=10)
            exchange(conn, 1)
            port = conn.sock.getsockname()[1]
            time.sleep(1.5)
            exchange(conn, 2)
            self.assertEqual(conn.sock.getsockname()[1], port)
            conn.close()
        finally:
            self.assertEqual(never.stop(), 0)
        with self.assertRaises(RuntimeError):
            SimProcess(SCRIPT, ["--idle-timeout", "-1"])


if __name__ == "__main__":
    unittest.main()
