"""Tests of aoss_sim.py, over HTTPS with urllib and a context trusting a fresh self-signed cert.

    python3 -m unittest discover -s Tests/Simulators -p 'test_*.py'
"""

import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from simtest import SimProcess, openssl_cert, request, script_path

SCRIPT = "aoss_sim.py"

PORTS = [
    {"port_id": "1/1", "is_poe_enabled": True, "poe_priority": "PPP_LOW", "power_watts": 6.5, "name": "ap-1"},
    {"port_id": "2/A4", "is_poe_enabled": True, "poe_priority": "PPP_HIGH", "power_watts": 12, "name": "cam-1"},
    {"port_id": "A1", "is_poe_enabled": False, "poe_priority": "PPP_CRITICAL", "power_watts": 4, "name": "phone"},
    {"port_id": "24", "is_poe_enabled": True, "poe_priority": "PPP_LOW", "power_watts": 0, "name": "empty"},
]
STATE = {"username": "admin", "password": "secret", "api_versions": ["v3", "v4", "v5", "v6", "v7"],
         "session_seconds": 600, "max_sessions": 5, "ports": PORTS, "delay_ms": 0}


class Client:
    def __init__(self, base, context=None):
        self.base = base
        self.context = context

    def call(self, method, path, body=None, raw=None, cookie=None, timeout=5, headers=None):
        """(status, headers, parsed JSON body or None)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        if cookie:
            hdrs["Cookie"] = cookie
        hdrs.update(headers or {})
        status, _, hdrs, payload = request(self.base + path, method, data, hdrs, self.context, timeout)
        return status, hdrs, (json.loads(payload) if payload else None)

    def login(self, version="v7", user="admin", password="secret"):
        status, _, body = self.call("POST", "/rest/%s/login-sessions" % version,
                                    {"userName": user, "password": password})
        assert status == 201, (status, body)
        return body["cookie"]


class AossSimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cert, cls.key = openssl_cert(cls.tmp.name)
        state_file = os.path.join(cls.tmp.name, "state.json")
        with open(state_file, "w") as f:
            json.dump(STATE, f)
        cls.sim = SimProcess(SCRIPT, ["--state", state_file, "--cert", cls.cert, "--key", cls.key])
        context = ssl.create_default_context(cafile=cls.cert)
        cls.c = Client("https://127.0.0.1:%d" % cls.sim.port, context)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        assert rc == 0, "SIGTERM should exit 0, got %r" % rc

    def setUp(self):
        reset = dict(STATE)
        reset["ports"] = [dict(p) for p in PORTS]
        self.assertEqual(self.c.call("POST", "/_sim/state", reset)[0], 200)
        self.c.call("POST", "/_sim/expire-sessions")
        self.c.call("POST", "/_sim/reset-requests")

    def get(self, path, cookie):
        return self.c.call("GET", path, cookie=cookie)

    # -- versions and login ---------------------------------------------------------------
    def test_version_list_needs_no_session(self):
        status, hdrs, body = self.c.call("GET", "/rest/version")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["Content-Type"], "application/json")
        self.assertEqual(body["uri"], "/version")
        self.assertEqual(body["collection_result"], {"total_elements_count": 5, "filtered_elements_count": 5})
        self.assertEqual([v["version"] for v in body["version_element"]], ["v3.0", "v4.0", "v5.0", "v6.0", "v7.0"])

    def test_login_success_shape(self):
        status, hdrs, body = self.c.call("POST", "/rest/v7/login-sessions", {"userName": "admin", "password": "secret"})
        self.assertEqual(status, 201)
        self.assertEqual(body["uri"], "/login-sessions")
        self.assertRegex(body["cookie"], r"^sessionId=[A-Za-z0-9]{63}$")
        self.assertTrue(hdrs["Set-Cookie"].startswith(body["cookie"] + ";"))
        self.assertEqual(int(hdrs["Content-Length"]), len(json.dumps(body)))

    def test_login_every_version_and_dotted_form(self):
        for v in ("v3", "v4", "v5", "v6", "v7", "v6.0", "v7.0"):
            cookie = self.c.login(v)
            self.assertEqual(self.get("/rest/%s/poe/ports" % v, cookie)[0], 200, v)
            self.c.call("DELETE", "/rest/%s/login-sessions" % v, cookie=cookie)

    def test_wrong_credentials(self):
        for creds in ({"userName": "admin", "password": "nope"}, {"userName": "root", "password": "secret"}, {}):
            status, hdrs, body = self.c.call("POST", "/rest/v7/login-sessions", creds)
            self.assertEqual((status, body), (401, {"message": "Authentication failed."}))
            self.assertNotIn("Set-Cookie", hdrs)

    def test_unknown_api_version(self):
        for path in ("/rest/v99/login-sessions", "/rest/v2/poe/ports", "/rest/latest/poe/ports", "/api/v7/poe/ports"):
            status, _, body = self.c.call("POST" if "login" in path else "GET", path, {"userName": "admin", "password": "secret"} if "login" in path else None)
            self.assertEqual((status, body), (404, {"message": "Error 404: Not Found."}), path)

    def test_version_list_follows_state(self):
        self.c.call("POST", "/_sim/state", {"api_versions": ["v3", "v4"]})
        status, _, _ = self.c.call("POST", "/rest/v7/login-sessions", {"userName": "admin", "password": "secret"})
        self.assertEqual(status, 404)
        self.assertEqual(self.c.call("POST", "/rest/v4/login-sessions", {"userName": "admin", "password": "secret"})[0], 201)

    def test_malformed_login_body(self):
        status, _, body = self.c.call("POST", "/rest/v7/login-sessions", raw=b'{"userName": "admin", "password": ')
        self.assertEqual(status, 400)
        self.assertIn("message", body)

    # -- sessions -------------------------------------------------------------------------
    def test_missing_or_unknown_session(self):
        for cookie in (None, "sessionId=doesnotexist", "other=1"):
            status, _, body = self.get("/rest/v7/poe/ports", cookie)
            self.assertEqual((status, body), (401, {"message": "Authentication failed."}), cookie)

    def test_cookie_among_others(self):
        cookie = self.c.login()
        self.assertEqual(self.get("/rest/v7/poe/ports", "lang=en; " + cookie + "; x=y")[0], 200)

    def test_logout(self):
        cookie = self.c.login()
        status, hdrs, body = self.c.call("DELETE", "/rest/v7/login-sessions", cookie=cookie)
        self.assertEqual((status, body), (204, None))
        self.assertEqual(self.get("/rest/v7/poe/ports", cookie)[0], 401)
        self.assertEqual(self.c.call("DELETE", "/rest/v7/login-sessions", cookie=cookie)[0], 401)
        self.assertEqual(self.c.call("DELETE", "/rest/v7/login-sessions")[0], 401)

    def test_session_limit(self):
        cookies = [self.c.login() for _ in range(5)]
        status, _, body = self.c.call("POST", "/rest/v7/login-sessions", {"userName": "admin", "password": "secret"})
        self.assertEqual(status, 503)
        self.assertEqual(body, {"message": "No free REST sessions available."})
        self.assertEqual(self.c.call("GET", "/_sim/state")[2]["active_sessions"], 5)
        self.c.call("DELETE", "/rest/v7/login-sessions", cookie=cookies[0])
        self.c.login()

    def test_session_limit_configurable(self):
        self.c.call("POST", "/_sim/state", {"max_sessions": 1})
        self.c.login()
        self.assertEqual(self.c.call("POST", "/rest/v7/login-sessions", {"userName": "admin", "password": "secret"})[0], 503)

    def test_idle_expiry_and_activity_keeps_session(self):
        self.c.call("POST", "/_sim/state", {"session_seconds": 0.6})
        cookie = self.c.login()
        for _ in range(3):  # used every 0.35 s: stays open past 0.6 s
            time.sleep(0.35)
            self.assertEqual(self.get("/rest/v7/poe/ports", cookie)[0], 200)
        time.sleep(0.8)
        status, _, body = self.get("/rest/v7/poe/ports", cookie)
        self.assertEqual((status, body), (401, {"message": "Authentication failed."}))

    def test_expired_sessions_free_slots(self):
        self.c.call("POST", "/_sim/state", {"max_sessions": 2, "session_seconds": 0.3})
        self.c.login()
        self.c.login()
        time.sleep(0.45)
        self.c.login()

    def test_expire_sessions_on_demand(self):
        cookie = self.c.login()
        status, _, body = self.c.call("POST", "/_sim/expire-sessions")
        self.assertEqual((status, body), (200, {"expired": 1}))
        self.assertEqual(self.get("/rest/v7/ports/1%2F1/poe", cookie)[0], 401)
        self.assertEqual(self.get("/rest/v7/ports/1%2F1/poe", self.c.login())[0], 200)

    # -- PoE reads ------------------------------------------------------------------------
    def test_poe_ports_collection(self):
        status, _, body = self.get("/rest/v7/poe/ports", self.c.login())
        self.assertEqual(status, 200)
        self.assertEqual(body["uri"], "/poe/ports")
        self.assertEqual(body["collection_result"], {"total_elements_count": 4, "filtered_elements_count": 4})
        self.assertEqual([p["port_id"] for p in body["port_poe"]], ["1/1", "2/A4", "A1", "24"])
        first = body["port_poe"][0]
        self.assertEqual(set(first), {"uri", "port_id", "is_poe_enabled", "poe_priority", "poe_allocation_method",
                                      "allocated_power_in_watts", "port_configured_type", "pre_standard_detect_enabled"})
        self.assertIs(first["is_poe_enabled"], True)
        self.assertEqual(first["poe_priority"], "PPP_LOW")
        self.assertEqual(first["poe_allocation_method"], "PPAM_USAGE")
        self.assertIsInstance(first["allocated_power_in_watts"], int)
        self.assertIs(body["port_poe"][2]["is_poe_enabled"], False)
        self.assertEqual(body["port_poe"][2]["poe_priority"], "PPP_CRITICAL")

    def test_poe_stats_collection(self):
        status, _, body = self.get("/rest/v7/poe/ports/stats", self.c.login())
        self.assertEqual(status, 200)
        self.assertEqual(body["uri"], "/poe/ports/stats")
        stats = {s["port_id"]: s for s in body["port_poe_stats"]}
        self.assertEqual(set(stats["1/1"]), {"uri", "port_id", "port_voltage_in_volts", "power_denied_count",
                                             "over_current_count", "mps_absent_count", "short_count",
                                             "actual_power_in_watts", "power_class", "poe_detection_status"})
        self.assertEqual(stats["1/1"]["actual_power_in_watts"], 6.5)
        self.assertEqual(stats["1/1"]["poe_detection_status"], "PPDS_DELIVERING")
        self.assertEqual(stats["2/A4"]["power_class"], 3)
        self.assertEqual((stats["A1"]["actual_power_in_watts"], stats["A1"]["poe_detection_status"]), (0, "PPDS_DISABLED"))
        self.assertEqual((stats["24"]["actual_power_in_watts"], stats["24"]["poe_detection_status"]), (0, "PPDS_SEARCHING"))

    def test_raw_ids_with_a_slash_are_refused(self):
        # RFC 3986 section 3.3: a "/" inside a segment is percent-encoded; "1/1" raw is two segments.
        cookie = self.c.login()
        for method, path in (("GET", "/rest/v7/ports/1/1/poe"), ("PUT", "/rest/v7/ports/1/1/poe"),
                             ("GET", "/rest/v7/ports/2/A4/poe/stats"), ("GET", "/rest/v7/ports/1/1"),
                             ("GET", "/rest/v7/poe%2Fports")):
            status, _, body = self.c.call(method, path, {"port_id": "1/1", "is_poe_enabled": False} if method == "PUT" else None, cookie=cookie)
            self.assertEqual((status, body), (404, {"message": "Error 404: Not Found."}), path)
        state = self.c.call("GET", "/_sim/state")[2]
        self.assertIs(next(p for p in state["ports"] if p["port_id"] == "1/1")["is_poe_enabled"], True)

    def test_single_port_encoded_ids(self):
        cookie = self.c.login()
        for path, port_id in (("/rest/v7/ports/1%2F1/poe", "1/1"),
                              ("/rest/v7/ports/1%2f1/poe", "1/1"), ("/rest/v7/ports/2%2FA4/poe", "2/A4"),
                              ("/rest/v7/ports/A1/poe", "A1"), ("/rest/v7/ports/24/poe", "24")):
            status, _, body = self.get(path, cookie)
            self.assertEqual(status, 200, path)
            self.assertEqual(body["port_id"], port_id)
        status, _, body = self.get("/rest/v7/ports/2%2FA4/poe/stats", cookie)
        self.assertEqual((status, body["port_id"], body["actual_power_in_watts"]), (200, "2/A4", 12))

    def test_ports_collection_and_element(self):
        cookie = self.c.login()
        status, _, body = self.get("/rest/v7/ports", cookie)
        self.assertEqual(status, 200)
        self.assertEqual([(p["id"], p["name"]) for p in body["port_element"]],
                         [("1/1", "ap-1"), ("2/A4", "cam-1"), ("A1", "phone"), ("24", "empty")])
        status, _, body = self.get("/rest/v7/ports/1%2F1", cookie)
        self.assertEqual((status, body["id"], body["name"]), (200, "1/1", "ap-1"))

    def test_unknown_port(self):
        cookie = self.c.login()
        for method, path in (("GET", "/rest/v7/ports/9%2F9/poe"), ("PUT", "/rest/v7/ports/9%2F9/poe"),
                             ("GET", "/rest/v7/ports/1%2F1%2F1/poe"), ("GET", "/rest/v7/ports/B7/poe/stats"),
                             ("GET", "/rest/v7/nothing-here")):
            status, _, body = self.c.call(method, path, {"port_id": "9/9", "is_poe_enabled": False} if method == "PUT" else None, cookie=cookie)
            self.assertEqual((status, body), (404, {"message": "Error 404: Not Found."}), path)

    def test_method_not_allowed(self):
        cookie = self.c.login()
        self.assertEqual(self.c.call("POST", "/rest/v7/poe/ports", {}, cookie=cookie)[0], 405)
        self.assertEqual(self.c.call("DELETE", "/rest/v7/ports/1%2F1/poe", cookie=cookie)[0], 405)
        self.assertEqual(self.c.call("GET", "/rest/v7/login-sessions", cookie=cookie)[0], 405)

    # -- PoE writes -----------------------------------------------------------------------
    def test_put_disables_then_enables(self):
        cookie = self.c.login()
        status, _, body = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"port_id": "1/1", "is_poe_enabled": False}, cookie=cookie)
        self.assertEqual(status, 200)
        self.assertEqual(body, {"uri": "/ports/1/1/poe", "port_id": "1/1", "is_poe_enabled": False, "poe_priority": "PPP_LOW",
                                "poe_allocation_method": "PPAM_USAGE", "allocated_power_in_watts": 30,
                                "port_configured_type": "", "pre_standard_detect_enabled": False})
        self.assertIs(self.get("/rest/v7/ports/1%2F1/poe", cookie)[2]["is_poe_enabled"], False)
        stats = self.get("/rest/v7/ports/1%2F1/poe/stats", cookie)[2]
        self.assertEqual((stats["actual_power_in_watts"], stats["poe_detection_status"]), (0, "PPDS_DISABLED"))
        state = self.c.call("GET", "/_sim/state")[2]
        self.assertIs(next(p for p in state["ports"] if p["port_id"] == "1/1")["is_poe_enabled"], False)

        status, _, body = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"is_poe_enabled": True, "poe_priority": "PPP_HIGH"}, cookie=cookie)
        self.assertEqual((status, body["is_poe_enabled"], body["poe_priority"]), (200, True, "PPP_HIGH"))
        self.assertEqual(self.get("/rest/v7/ports/1%2F1/poe/stats", cookie)[2]["actual_power_in_watts"], 6.5)

    def test_put_other_port_untouched(self):
        cookie = self.c.login()
        self.c.call("PUT", "/rest/v7/ports/A1/poe", {"port_id": "A1", "is_poe_enabled": True}, cookie=cookie)
        ports = {p["port_id"]: p["is_poe_enabled"] for p in self.get("/rest/v7/poe/ports", cookie)[2]["port_poe"]}
        self.assertEqual(ports, {"1/1": True, "2/A4": True, "A1": True, "24": True})

    def test_put_malformed_json(self):
        cookie = self.c.login()
        for raw in (b'{"port_id": "1/1", "is_poe_enabled": fal', b"", b"[true]", b"\xff\xfe"):
            status, _, body = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", raw=raw, cookie=cookie)
            self.assertEqual(status, 400, raw)
            self.assertEqual(set(body), {"message"})
        self.assertIs(self.get("/rest/v7/ports/1%2F1/poe", cookie)[2]["is_poe_enabled"], True)

    def test_put_invalid_values(self):
        cookie = self.c.login()
        for body in ({"port_id": "1/1", "is_poe_enabled": "false"}, {"port_id": "1/1", "is_poe_enabled": 0},
                     {"port_id": "2/A4", "is_poe_enabled": False}, {"is_poe_enable": False},
                     {"poe_priority": "low"}, {"poe_allocation_method": "usage"},
                     {"allocated_power_in_watts": 40}, {"allocated_power_in_watts": 1.5}):
            status, _, answer = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", body, cookie=cookie)
            self.assertEqual(status, 400, body)
            self.assertIsInstance(answer["message"], str)
        self.assertIs(self.get("/rest/v7/ports/1%2F1/poe", cookie)[2]["is_poe_enabled"], True)

    def test_put_needs_session(self):
        status, _, body = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"port_id": "1/1", "is_poe_enabled": False})
        self.assertEqual((status, body), (401, {"message": "Authentication failed."}))
        self.assertIs(self.c.call("GET", "/_sim/state")[2]["ports"][0]["is_poe_enabled"], True)

    def test_configured_put_failure(self):
        cookie = self.c.login()
        self.c.call("POST", "/_sim/state", {"ports": {"1/1": {"fail_put": "PoE controller did not answer."}}})
        status, _, body = self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"port_id": "1/1", "is_poe_enabled": False}, cookie=cookie)
        self.assertEqual((status, body), (400, {"message": "PoE controller did not answer."}))
        self.assertIs(self.get("/rest/v7/ports/1%2F1/poe", cookie)[2]["is_poe_enabled"], True)
        # another port still works, the status is configurable, and null clears the failure
        self.assertEqual(self.c.call("PUT", "/rest/v7/ports/A1/poe", {"is_poe_enabled": True}, cookie=cookie)[0], 200)
        self.c.call("POST", "/_sim/state", {"ports": {"1/1": {"fail_status": 500}}})
        self.assertEqual(self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"is_poe_enabled": False}, cookie=cookie)[0], 500)
        self.c.call("POST", "/_sim/state", {"ports": {"1/1": {"fail_put": None, "fail_status": None}}})
        self.assertEqual(self.c.call("PUT", "/rest/v7/ports/1%2F1/poe", {"is_poe_enabled": False}, cookie=cookie)[0], 200)

    # -- slow switch ----------------------------------------------------------------------
    def test_delay(self):
        cookie = self.c.login()
        self.c.call("POST", "/_sim/state", {"delay_ms": 700})
        t0 = time.monotonic()
        with self.assertRaises(Exception) as ctx:  # the client gives up first
            self.get_with_timeout("/rest/v7/poe/ports", cookie, 0.25)
        self.assertIn("timed out", str(ctx.exception))
        status, _, _ = self.c.call("GET", "/rest/v7/poe/ports", cookie=cookie, timeout=5)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.25 + 0.7)
        # control endpoints are never delayed
        t1 = time.monotonic()
        self.c.call("GET", "/_sim/state", timeout=5)
        self.assertLess(time.monotonic() - t1, 0.5)

    def get_with_timeout(self, path, cookie, timeout):
        req = urllib.request.Request(self.c.base + path, headers={"Cookie": cookie})
        urllib.request.urlopen(req, context=self.c.context, timeout=timeout).read()

    # -- control API ----------------------------------------------------------------------
    def test_request_log(self):
        cookie = self.c.login()
        self.c.call("PUT", "/rest/v7/ports/1%2F1/poe?x=1", {"port_id": "1/1", "is_poe_enabled": False}, cookie=cookie)
        self.c.call("GET", "/rest/v7/poe/ports")
        self.c.call("POST", "/rest/v7/login-sessions", raw=b'{"userName": "admin", "password": "secret-but-malformed')
        status, _, log = self.c.call("GET", "/_sim/requests")
        self.assertEqual(status, 200)
        self.assertIsInstance(log, list)
        self.assertEqual([(r["method"], r["path"], r["status"]) for r in log],
                         [("POST", "/rest/v7/login-sessions", 201), ("PUT", "/rest/v7/ports/1%2F1/poe", 200),
                          ("GET", "/rest/v7/poe/ports", 401), ("POST", "/rest/v7/login-sessions", 400)])
        self.assertEqual(log[0]["body"], {"userName": "admin", "password": "<redacted>"})
        self.assertEqual((log[1]["query"], log[1]["path_decoded"]), ("x=1", "/rest/v7/ports/1/1/poe"))
        self.assertEqual(log[1]["body"], {"port_id": "1/1", "is_poe_enabled": False})
        self.assertEqual((log[1]["cookie_present"], log[1]["session_valid"]), (True, True))
        self.assertEqual((log[2]["cookie_present"], log[2]["session_valid"]), (False, False))
        self.assertTrue(log[3]["body_malformed"])
        self.assertNotIn("secret", json.dumps(log))
        self.assertEqual(self.c.call("POST", "/_sim/reset-requests")[2], {"cleared": 4})
        self.assertEqual(self.c.call("GET", "/_sim/requests")[2], [])

    def test_state_patch(self):
        status, _, state = self.c.call("POST", "/_sim/state", {"ports": {"1/1": {"is_poe_enabled": False, "power_watts": 9},
                                                                           "3/B2": {"is_poe_enabled": True, "name": "new"}},
                                                                 "password": "other"})
        self.assertEqual(status, 200)
        ports = {p["port_id"]: p for p in state["ports"]}
        self.assertEqual((ports["1/1"]["is_poe_enabled"], ports["1/1"]["power_watts"], ports["1/1"]["name"]), (False, 9, "ap-1"))
        self.assertEqual(ports["3/B2"]["name"], "new")
        self.assertEqual(state["password"], "other")
        self.assertEqual(self.c.call("GET", "/_sim/state")[2]["password"], "other")
        self.assertEqual(self.c.call("POST", "/rest/v7/login-sessions", {"userName": "admin", "password": "other"})[0], 201)
        # a list replaces every port
        state = self.c.call("POST", "/_sim/state", {"ports": [{"port_id": "5", "is_poe_enabled": True}]})[2]
        self.assertEqual([p["port_id"] for p in state["ports"]], ["5"])
        # bad patches are refused and change nothing
        self.assertEqual(self.c.call("POST", "/_sim/state", {"ports": [{"name": "no id"}]})[0], 400)
        self.assertEqual(self.c.call("POST", "/_sim/state", raw=b"not json")[0], 400)
        self.assertEqual(self.c.call("POST", "/_sim/state", [1, 2])[0], 400)
        self.assertEqual([p["port_id"] for p in self.c.call("GET", "/_sim/state")[2]["ports"]], ["5"])
        self.assertEqual(self.c.call("GET", "/_sim/nothing")[0], 404)


class AossSimProcessTest(unittest.TestCase):
    """Plain HTTP mode, SIGINT, and a bad state file."""

    def test_http_mode_and_sigint(self):
        with tempfile.TemporaryDirectory() as tmp:
            state_file = os.path.join(tmp, "s.json")
            with open(state_file, "w") as f:
                json.dump({"ports": [{"port_id": "1", "is_poe_enabled": True, "power_watts": 3}]}, f)
            sim = SimProcess(SCRIPT, ["--state", state_file])
            try:
                c = Client("http://127.0.0.1:%d" % sim.port)
                cookie = c.login()  # defaults: admin / secret, v3..v7
                self.assertEqual(c.call("GET", "/rest/v7/ports/1/poe", cookie=cookie)[2]["port_id"], "1")
                self.assertEqual(c.call("GET", "/_sim/state")[2]["session_seconds"], 600)
            finally:
                rc = sim.stop(signal.SIGINT)
            self.assertEqual(rc, 0)

    def test_bad_state_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            state_file = os.path.join(tmp, "s.json")
            with open(state_file, "w") as f:
                json.dump({"ports": [{"port_id": "1"}, {"port_id": "1"}]}, f)
            r = subprocess.run([sys.executable, script_path(SCRIPT), "--state", state_file, "--port", "0"],
                               capture_output=True, text=True, timeout=10)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(r.stdout, "")
            self.assertIn("duplicate port_id", r.stderr)


if __name__ == "__main__":
    unittest.main()
