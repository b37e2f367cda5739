"""Tests of proxmox_sim.py, the Proxmox VE REST API simulator (Python standard library only).

    python3 -m unittest discover -s Tests/Simulators -p 'test_*.py'

The simulator runs as a subprocess over HTTPS with a certificate from make_cert.sh; the client
trusts exactly that certificate.
"""

import copy
import gzip
import hashlib
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from simtest import SimProcess, make_cert, request, script_path

SIM = "proxmox_sim.py"

TOKEN = "PVEAPIToken=root@pam!ci=s3cret"
AUDIT_ONLY = "PVEAPIToken=ops@pve!audit=aud1t"
ADMIN = "PVEAPIToken=admin@pve!all=4dm1n"

UPID_RE = re.compile(r"^UPID:pve-1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:(\w+):(\d+):root@pam!ci:$")

STATE = {
    "nodes": [
        {"node": "pve-1", "online": True, "ssl_fingerprint": "filled in by setUpClass"},
        {"node": "pve-2", "online": False, "ssl_fingerprint": "11:22:33"},
    ],
    "tokens": {
        "root@pam!ci": {"secret": "s3cret", "privileges": {"/vms": ["VM.Audit", "VM.PowerMgmt"]}},
        "ops@pve!audit": {"secret": "aud1t", "privileges": {"/vms/104": ["VM.Audit"]}},
        "admin@pve!all": {"secret": "4dm1n", "privileges": {
            "/": ["VM.Audit", "VM.PowerMgmt", "Sys.Audit"]}},
    },
    "guests": [
        {"node": "pve-1", "type": "qemu", "vmid": 104, "name": "web-1", "status": "running",
         "tags": "web;prod", "task_seconds": 0.15},
        {"node": "pve-1", "type": "qemu", "vmid": 105, "name": "db-1", "status": "stopped",
         "task_seconds": 0.15},
        {"node": "pve-1", "type": "lxc", "vmid": 200, "name": "ct-1", "status": "running",
         "tags": "infra", "task_seconds": 0.15},
        {"node": "pve-1", "type": "lxc", "vmid": 201, "name": "ct-2", "status": "stopped",
         "task_seconds": 0.15},
        {"node": "pve-2", "type": "qemu", "vmid": 300, "name": "far", "status": "running",
         "task_seconds": 0.15},
    ],
    "delay_ms": 0,
}


def start_sim(state_path, cert=None, key=None):
    """proxmox_sim.py as a subprocess, over HTTPS with cert and key."""
    return SimProcess(SIM, ["--state", state_path] + (["--cert", cert, "--key", key] if cert else []))


class ProxmoxSimTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.fingerprint = make_cert(cls.tmp.name)
        cls.cert = os.path.join(cls.tmp.name, "cert.pem")
        state = copy.deepcopy(STATE)
        state["nodes"][0]["ssl_fingerprint"] = cls.fingerprint
        cls.state_path = os.path.join(cls.tmp.name, "state.json")
        with open(cls.state_path, "w") as f:
            json.dump(state, f)
        cls.sim = start_sim(cls.state_path, cls.cert, os.path.join(cls.tmp.name, "key.pem"))
        cls.base = f"https://localhost:{cls.sim.port}"
        cls.ctx = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        assert rc == 0, f"simulator exit code {rc}"

    def setUp(self):
        self.control("POST", "/_sim/reset")

    # --- helpers -------------------------------------------------------------------------

    def request(self, method, path, form=None, auth=TOKEN, headers=None, body=None):
        """(status, reason, parsed JSON body or None, raw body, headers)."""
        hdrs = dict(headers or {})
        if auth is not None:
            hdrs["Authorization"] = auth
        data = body
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        status, reason, rh, raw = request(self.base + path, method, data, hdrs, self.ctx, timeout=10)
        parsed = json.loads(raw) if raw and rh.get("Content-Encoding") != "gzip" else None
        return status, reason, parsed, raw, rh

    def api(self, method, path, form=None, **kw):
        return self.request(method, "/api2/json" + path, form, **kw)

    def ok(self, method, path, form=None, **kw):
        status, reason, body, _, _ = self.api(method, path, form, **kw)
        self.assertEqual((status, reason), (200, "OK"), body)
        return body["data"]

    def error(self, method, path, form=None, status=500, message=None, **kw):
        st, reason, body, raw, headers = self.api(method, path, form, **kw)
        self.assertEqual(st, status, body)
        if message is not None:
            self.assertEqual(reason, message)
        if status in (401, 595):
            self.assertEqual(raw, b"")  # no body at all, as the real server
        elif message is not None:
            self.assertEqual(body, {"data": None, "message": message + "\n", **(
                {"errors": body["errors"]} if "errors" in body else {})})
        self.assertEqual(headers["Connection"], "close")
        return body

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read())

    def guest(self, vmid):
        return next(g for g in self.control("GET", "/_sim/state")["guests"] if g["vmid"] == vmid)

    def power(self, kind, vmid, action, form=None, node="pve-1"):
        upid = self.ok("POST", f"/nodes/{node}/{kind}/{vmid}/status/{action}", form or {})
        self.assertRegex(upid, UPID_RE)
        return upid

    def task(self, upid, node="pve-1"):
        return self.ok("GET", f"/nodes/{node}/tasks/{urllib.parse.quote(upid, safe='')}/status")

    def wait(self, upid, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.task(upid)
            if t["status"] == "stopped":
                return t
            time.sleep(0.03)
        self.fail(f"task {upid} still running")

    # --- TLS, startup, basic answers --------------------------------------------------------

    def test_tls_certificate_matches_fingerprint_and_nodes(self):
        self.assertRegex(self.fingerprint, r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")
        conn = http.client.HTTPSConnection("localhost", self.sim.port, context=self.ctx, timeout=5)
        conn.connect()
        der = conn.sock.getpeercert(binary_form=True)
        conn.close()
        digest = hashlib.sha256(der).hexdigest().upper()
        self.assertEqual(":".join(digest[i:i + 2] for i in range(0, 64, 2)), self.fingerprint)
        nodes = self.ok("GET", "/nodes")
        self.assertEqual([(n["node"], n["status"], n["ssl_fingerprint"]) for n in nodes],
                         [("pve-1", "online", self.fingerprint), ("pve-2", "offline", "11:22:33")])
        self.assertEqual(nodes[0]["type"], "node")
        self.assertEqual(nodes[0]["id"], "node/pve-1")

    def test_version(self):
        v = self.ok("GET", "/version")
        self.assertEqual(set(v), {"version", "release", "repoid"})

    def test_compact_json_and_headers(self):
        _, _, _, raw, headers = self.api("GET", "/version")
        self.assertTrue(raw.startswith(b'{"data":{'), raw)
        self.assertEqual(headers["Content-Type"], "application/json;charset=UTF-8")
        self.assertEqual(headers["Server"], "pve-api-daemon/3.0")
        self.assertEqual(int(headers["Content-Length"]), len(raw))

    # --- authentication ---------------------------------------------------------------------

    def test_missing_authorization_is_401_no_ticket(self):
        self.error("GET", "/nodes", auth=None, status=401, message="No ticket")
        self.error("GET", "/nodes", auth="Bearer abc", status=401, message="No ticket")

    def test_token_errors(self):
        self.error("GET", "/nodes", auth="PVEAPIToken=root@pam!ci=wrong", status=401,
                   message="invalid token value!")
        self.error("GET", "/nodes", auth="PVEAPIToken=root@pam!nope=s3cret", status=401,
                   message="no such token 'nope' for user 'root@pam'")
        self.error("GET", "/nodes", auth="PVEAPIToken=bob@pve!ci=s3cret", status=401,
                   message="no such user ('bob@pve')")
        # PBS separates token and secret with ':'; Proxmox VE only with '='.
        self.error("GET", "/nodes", auth="PVEAPIToken=root@pam!ci:s3cret", status=401,
                   message="no tokenid specified")
        self.error("GET", "/nodes", auth="PVEAPIToken=rootpam=s3cret", status=401,
                   message="'rootpam' is not a valid token ID - not able to split into user "
                           "and token parts")
        self.error("GET", "/nodes", auth=None, headers={"Cookie": "PVEAuthCookie=PVE:x"},
                   status=401, message="permission denied - invalid PVE ticket")

    def test_token_header_variants_accepted(self):
        for header in ("PVEAPIToken=root@pam!ci=s3cret",
                       "PVEAPIToken root@pam!ci=s3cret",          # space instead of '='
                       "PVEAPIToken=root%40pam%21ci=s3cr%65t",    # URI-escaped value
                       "PVEAPIToken=root@pam!ci=s3cret; extra"):  # value ends at ';'
            self.assertEqual(self.api("GET", "/version", auth=header)[0], 200, header)

    def test_auth_fail_delay(self):
        self.control("POST", "/_sim/state", {"auth_fail_delay_ms": 300})
        t0 = time.monotonic()
        self.error("GET", "/nodes", auth=None, status=401)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)

    # --- reading ----------------------------------------------------------------------------

    def test_cluster_resources_vm(self):
        res = self.ok("GET", "/cluster/resources?type=vm")
        by = {r["id"]: r for r in res}
        self.assertEqual(sorted(by), ["lxc/200", "lxc/201", "qemu/104", "qemu/105", "qemu/300"])
        web = by["qemu/104"]
        self.assertEqual((web["vmid"], web["node"], web["type"], web["name"], web["status"], web["tags"]),
                         (104, "pve-1", "qemu", "web-1", "running", "web;prod"))
        self.assertIsInstance(web["maxmem"], int)
        self.assertNotIn("tags", by["qemu/105"])
        self.assertEqual(by["lxc/200"]["type"], "lxc")
        # A guest of an offline node: known from the cluster config, status unknown.
        self.assertEqual(by["qemu/300"]["status"], "unknown")
        self.error("GET", "/cluster/resources?type=vms", status=400,
                   message="Parameter verification failed.")
        body = self.api("GET", "/cluster/resources?type=vms")[2]
        self.assertEqual(body["errors"], {"type": "value 'vms' does not have a value in the "
                                                   "enumeration 'vm, storage, node, sdn'"})
        # Nodes appear only for Sys.Audit.
        self.assertEqual([r["id"] for r in self.ok("GET", "/cluster/resources?type=node")], [])
        self.assertEqual([r["id"] for r in self.ok("GET", "/cluster/resources?type=node", auth=ADMIN)],
                         ["node/pve-1", "node/pve-2"])

    def test_node_guest_lists(self):
        qemu = self.ok("GET", "/nodes/pve-1/qemu")
        self.assertEqual(sorted(g["vmid"] for g in qemu), [104, 105])
        web = next(g for g in qemu if g["vmid"] == 104)
        self.assertEqual((web["name"], web["status"], web["tags"]), ("web-1", "running", "web;prod"))
        self.assertIsInstance(web["pid"], int)
        self.assertNotIn("qmpstatus", web)
        db = next(g for g in qemu if g["vmid"] == 105)
        self.assertNotIn("tags", db)
        self.assertNotIn("lock", db)
        full = {g["vmid"]: g for g in self.ok("GET", "/nodes/pve-1/qemu?full=1")}
        self.assertEqual((full[104]["qmpstatus"], full[105]["qmpstatus"]), ("running", "stopped"))
        lxc = self.ok("GET", "/nodes/pve-1/lxc")
        self.assertEqual(sorted((g["vmid"], g["type"], g["status"]) for g in lxc),
                         [(200, "lxc", "running"), (201, "lxc", "stopped")])
        # Guests without VM.Audit are left out, silently.
        self.assertEqual([g["vmid"] for g in self.ok("GET", "/nodes/pve-1/qemu", auth=AUDIT_ONLY)], [104])
        self.control("POST", "/_sim/state", {"guests": {"105": {"lock": "backup"}}})
        db = next(g for g in self.ok("GET", "/nodes/pve-1/qemu") if g["vmid"] == 105)
        self.assertEqual(db["lock"], "backup")

    def test_status_current(self):
        web = self.ok("GET", "/nodes/pve-1/qemu/104/status/current")
        self.assertEqual((web["vmid"], web["name"], web["status"], web["qmpstatus"]),
                         (104, "web-1", "running", "running"))
        self.assertEqual(web["ha"], {"managed": 0})
        db = self.ok("GET", "/nodes/pve-1/qemu/105/status/current")
        self.assertEqual((db["status"], db["qmpstatus"], db["uptime"], db["mem"]), ("stopped", "stopped", 0, 0))
        self.assertNotIn("pid", db)
        ct = self.ok("GET", "/nodes/pve-1/lxc/200/status/current")
        self.assertEqual((ct["vmid"], ct["type"], ct["status"]), (200, "lxc", "running"))
        self.error("GET", "/nodes/pve-1/qemu/999/status/current",
                   message="Configuration file 'nodes/pve-1/qemu-server/999.conf' does not exist")
        self.error("GET", "/nodes/pve-1/lxc/999/status/current",
                   message="Configuration file 'nodes/pve-1/lxc/999.conf' does not exist")
        # The right vmid asked of the wrong kind or node: its config is not there.
        self.error("GET", "/nodes/pve-1/lxc/104/status/current",
                   message="Configuration file 'nodes/pve-1/lxc/104.conf' does not exist")
        self.error("GET", "/nodes/pve-1/qemu/abc/status/current", status=400,
                   message="Parameter verification failed.")
        self.error("GET", "/nodes/pve-1/qemu/105/status/current", auth=AUDIT_ONLY, status=403,
                   message="Permission check failed (/vms/105, VM.Audit)")

    def test_access_permissions(self):
        self.assertEqual(self.ok("GET", "/access/permissions?path=/vms/104"),
                         {"/vms/104": {"VM.Audit": 1, "VM.PowerMgmt": 1}})
        self.assertEqual(self.ok("GET", "/access/permissions?path=/vms/105", auth=AUDIT_ONLY),
                         {"/vms/105": {}})
        self.assertEqual(self.ok("GET", "/access/permissions?path=/vms/7", auth=ADMIN),
                         {"/vms/7": {"VM.Audit": 1, "VM.PowerMgmt": 1, "Sys.Audit": 1}})
        self.assertEqual(self.ok("GET", "/access/permissions"),
                         {"/vms": {"VM.Audit": 1, "VM.PowerMgmt": 1}})
        self.error("GET", "/access/permissions?userid=admin@pve!all", status=403,
                   message="Permission check failed (/access, Sys.Audit)")

    def test_unknown_path_not_implemented(self):
        self.error("GET", "/nodes/pve-1/storage", status=501,
                   message="Method 'GET /nodes/pve-1/storage' not implemented")
        self.error("POST", "/nodes/pve-1/lxc/200/status/reset", {}, status=501,
                   message="Method 'POST /nodes/pve-1/lxc/200/status/reset' not implemented")

    # --- power actions and tasks --------------------------------------------------------------

    def test_shutdown_running_vm(self):
        self.control("POST", "/_sim/state", {"guests": {"104": {"task_seconds": 0.5}}})
        upid = self.power("qemu", 104, "shutdown", {"timeout": "30", "forceStop": "0"})
        self.assertEqual(UPID_RE.match(upid).groups(), ("qmshutdown", "104"))
        t = self.task(upid)
        self.assertEqual(t["status"], "running")  # answered before the work is done
        self.assertNotIn("exitstatus", t)
        self.assertEqual(self.guest(104)["status"], "running")
        t = self.wait(upid)
        self.assertEqual((t["status"], t["exitstatus"], t["type"], t["id"], t["node"], t["upid"]),
                         ("stopped", "OK", "qmshutdown", "104", "pve-1", upid))
        self.assertEqual((t["user"], t["tokenid"]), ("root@pam", "ci"))
        for k in ("pid", "pstart", "starttime"):
            self.assertIsInstance(t[k], int)
        self.assertEqual(self.ok("GET", "/nodes/pve-1/qemu/104/status/current")["status"], "stopped")

    def test_every_task_type(self):
        self.control("POST", "/_sim/state", {"guests": {"105": {"status": "running"},
                                                         "201": {"status": "running"}}})
        cases = [("qemu", 105, "reset", "qmreset"), ("qemu", 105, "suspend", "qmpause"),
                 ("qemu", 105, "resume", "qmresume"), ("qemu", 105, "reboot", "qmreboot"),
                 ("qemu", 105, "stop", "qmstop"), ("qemu", 105, "start", "qmstart"),
                 ("lxc", 201, "reboot", "vzreboot"), ("lxc", 201, "shutdown", "vzshutdown"),
                 ("lxc", 201, "start", "vzstart"), ("lxc", 201, "stop", "vzstop")]
        for kind, vmid, action, ttype in cases:
            upid = self.power(kind, vmid, action)
            self.assertEqual(UPID_RE.match(upid).group(1), ttype)
            self.assertEqual(self.wait(upid)["exitstatus"], "OK", (kind, action))

    def test_suspend_and_resume_qemu(self):
        self.wait(self.power("qemu", 104, "suspend"))
        cur = self.ok("GET", "/nodes/pve-1/qemu/104/status/current")
        self.assertEqual((cur["status"], cur["qmpstatus"]), ("running", "paused"))
        self.error("POST", "/nodes/pve-1/qemu/104/status/shutdown", {},
                   message="VM is paused - cannot shutdown")
        self.wait(self.power("qemu", 104, "resume"))
        self.assertEqual(self.ok("GET", "/nodes/pve-1/qemu/104/status/current")["qmpstatus"], "running")
        # A paused VM with forceStop=1 is stopped instead.
        self.control("POST", "/_sim/state", {"guests": {"104": {"status": "paused"}}})
        self.assertEqual(self.wait(self.power("qemu", 104, "shutdown", {"forceStop": "1"}))["exitstatus"], "OK")
        self.assertEqual(self.guest(104)["status"], "stopped")

    def test_stop_and_shutdown_of_stopped_vm_ok_at_once(self):
        for action in ("shutdown", "stop"):
            t = self.task(self.power("qemu", 105, action))
            self.assertEqual((t["status"], t["exitstatus"]), ("stopped", "OK"), action)

    def test_start_of_running_vm_fails_in_task(self):
        t = self.wait(self.power("qemu", 104, "start"))
        self.assertEqual(t["exitstatus"], "VM 104 already running")

    def test_reset_reboot_suspend_resume_of_stopped_vm(self):
        for action in ("reset", "reboot", "suspend", "resume"):
            self.error("POST", f"/nodes/pve-1/qemu/105/status/{action}", {},
                       message="VM 105 not running")
        self.assertEqual(self.control("GET", "/_sim/state")["tasks"], [])

    def test_unknown_vmid(self):
        # start forks first; its worker finds no config.
        t = self.wait(self.power("qemu", 999, "start"))
        self.assertEqual(t["exitstatus"], "Configuration file 'nodes/pve-1/qemu-server/999.conf' does not exist")
        t = self.wait(self.power("qemu", 999, "shutdown"))
        self.assertEqual(t["exitstatus"], "unable to find configuration file for VM 999 on node 'pve-1'")
        # reset/reboot/suspend check the VM before forking.
        self.error("POST", "/nodes/pve-1/qemu/999/status/reset", {},
                   message="unable to find configuration file for VM 999 on node 'pve-1'")
        # A container that does not exist is simply not running.
        self.error("POST", "/nodes/pve-1/lxc/999/status/stop", {}, message="CT 999 not running")
        t = self.wait(self.power("lxc", 999, "start"))
        self.assertEqual(t["exitstatus"], "Configuration file 'nodes/pve-1/lxc/999.conf' does not exist")

    def test_ignores_acpi(self):
        self.control("POST", "/_sim/state", {"guests": {"104": {"ignores_acpi": True}}})
        t0 = time.monotonic()
        t = self.wait(self.power("qemu", 104, "shutdown", {"timeout": "30"}))
        self.assertEqual(t["exitstatus"], "VM quit/powerdown failed - got timeout")
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)  # min(timeout, 2 * task_seconds)
        self.assertEqual(self.guest(104)["status"], "running")
        t = self.wait(self.power("qemu", 104, "shutdown", {"timeout": "30", "forceStop": "1"}))
        self.assertEqual(t["exitstatus"], "OK")
        self.assertEqual(self.guest(104)["status"], "stopped")
        # timeout=0: no wait at all.
        self.control("POST", "/_sim/state", {"guests": {"104": {"status": "running"}}})
        t = self.wait(self.power("qemu", 104, "shutdown", {"timeout": "0"}))
        self.assertEqual(t["exitstatus"], "VM quit/powerdown failed - got timeout")

    def test_lock_attempts_qemu_fail_in_the_task(self):
        self.control("POST", "/_sim/state", {"guests": {"104": {"lock_attempts": 2}}})
        lock = "can't lock file '/var/lock/qemu-server/lock-104.conf' - got timeout"
        for _ in range(2):
            self.assertEqual(self.wait(self.power("qemu", 104, "shutdown"))["exitstatus"], lock)
        self.assertEqual(self.guest(104)["lock_attempts"], 0)
        self.assertEqual(self.wait(self.power("qemu", 104, "shutdown"))["exitstatus"], "OK")

    def test_lock_attempts_lxc_fail_the_request(self):
        self.control("POST", "/_sim/state", {"guests": {"200": {"lock_attempts": 1}}})
        self.error("POST", "/nodes/pve-1/lxc/200/status/shutdown", {},
                   message="can't lock file '/run/lock/lxc/pve-config-200.lock' - got timeout")
        self.assertEqual(self.guest(200)["lock_attempts"], 0)
        self.assertEqual(self.wait(self.power("lxc", 200, "shutdown"))["exitstatus"], "OK")
        self.assertEqual(self.guest(200)["status"], "stopped")

    def test_config_lock(self):
        self.control("POST", "/_sim/state", {"guests": {"104": {"lock": "backup"}, "200": {"lock": "backup"}}})
        self.assertEqual(self.wait(self.power("qemu", 104, "stop"))["exitstatus"], "VM is locked (backup)")
        self.assertEqual(self.wait(self.power("lxc", 200, "shutdown"))["exitstatus"], "CT is locked (backup)")

    def test_fail_task(self):
        self.control("POST", "/_sim/state", {"guests": {"105": {"fail_task": "start failed: QEMU exited with code 1"}}})
        t = self.wait(self.power("qemu", 105, "start"))
        self.assertEqual(t["exitstatus"], "start failed: QEMU exited with code 1")
        self.assertEqual(self.guest(105), {**self.guest(105), "fail_task": None, "status": "stopped"})
        self.assertEqual(self.wait(self.power("qemu", 105, "start"))["exitstatus"], "OK")
        self.assertEqual(self.guest(105)["status"], "running")

    def test_lxc_checks_before_forking(self):
        self.error("POST", "/nodes/pve-1/lxc/200/status/start", {}, message="CT 200 already running")
        self.error("POST", "/nodes/pve-1/lxc/201/status/stop", {}, message="CT 201 not running")
        self.error("POST", "/nodes/pve-1/lxc/201/status/shutdown", {}, message="CT 201 not running")
        self.error("POST", "/nodes/pve-1/lxc/201/status/reboot", {}, message="VM 201 not running")
        self.control("POST", "/_sim/state", {"guests": {"200": {"ignores_acpi": True}}})
        t = self.wait(self.power("lxc", 200, "shutdown", {"timeout": "20"}))
        self.assertEqual(t["exitstatus"], "container did not stop")
        t = self.wait(self.power("lxc", 200, "shutdown", {"timeout": "20", "forceStop": "1"}))
        self.assertEqual(t["exitstatus"], "OK")
        self.assertEqual(self.guest(200)["status"], "stopped")

    def test_a_second_qemu_task_waits_for_the_config_lock(self):
        self.control("POST", "/_sim/state", {"lock_timeout_seconds": 0.1,
                                             "guests": {"104": {"ignores_acpi": True, "task_seconds": 0.3}}})
        shutdown = self.power("qemu", 104, "shutdown", {"timeout": "60"})
        stop = self.power("qemu", 104, "stop")
        self.assertEqual(self.wait(stop)["exitstatus"],
                         "can't lock file '/var/lock/qemu-server/lock-104.conf' - got timeout")
        self.assertEqual(self.wait(shutdown)["exitstatus"], "VM quit/powerdown failed - got timeout")
        # With a long enough lock timeout the stop runs once the shutdown gave up.
        self.control("POST", "/_sim/state", {"lock_timeout_seconds": 5})
        shutdown = self.power("qemu", 104, "shutdown", {"timeout": "60"})
        stop = self.power("qemu", 104, "stop")
        self.assertEqual(self.task(stop)["status"], "running")
        self.assertEqual(self.wait(stop)["exitstatus"], "OK")
        self.assertEqual(self.task(shutdown)["exitstatus"], "VM quit/powerdown failed - got timeout")
        self.assertEqual(self.guest(104)["status"], "stopped")

    def test_stop_overrule_shutdown(self):
        self.control("POST", "/_sim/state", {"guests": {"104": {"ignores_acpi": True, "task_seconds": 1}}})
        shutdown = self.power("qemu", 104, "shutdown", {"timeout": "60"})
        stop = self.power("qemu", 104, "stop", {"overrule-shutdown": "1"})
        self.assertEqual(self.task(shutdown)["exitstatus"], "received interrupt")
        self.assertEqual(self.wait(stop)["exitstatus"], "OK")

    def test_power_needs_vm_powermgmt(self):
        self.error("POST", "/nodes/pve-1/qemu/104/status/shutdown", {}, auth=AUDIT_ONLY,
                   status=403, message="Permission check failed (/vms/104, VM.PowerMgmt)")
        self.assertEqual(self.guest(104)["status"], "running")

    def test_parameter_errors(self):
        path = "/nodes/pve-1/qemu/104/status/shutdown"
        body = self.error("POST", path, {"timeout": "soon"}, status=400,
                          message="Parameter verification failed.")
        self.assertEqual(body["errors"], {"timeout": "type check ('integer') failed - got 'soon'"})
        body = self.error("POST", path, {"timeout": "-1", "forceStop": "yes", "force": "1"}, status=400)
        self.assertEqual(body["errors"], {
            "timeout": "value must have a minimum value of 0",
            "forceStop": "type check ('boolean') failed - got 'yes'",
            "force": "property is not defined in schema and the schema does not allow additional properties"})
        body = self.error("POST", path, {"skiplock": "1"}, status=400)
        self.assertEqual(body["errors"], {"skiplock": "Only root may use this option."})
        self.assertEqual(self.guest(104)["status"], "running")

    def test_json_body_accepted(self):
        upid = self.api("POST", "/nodes/pve-1/qemu/104/status/shutdown",
                        body=json.dumps({"timeout": 30, "forceStop": False}).encode(),
                        headers={"Content-Type": "application/json"})[2]["data"]
        self.assertEqual(self.wait(upid)["exitstatus"], "OK")

    def test_task_status_errors(self):
        body = self.error("GET", "/nodes/pve-1/tasks/not-a-upid/status", status=400,
                          message="Parameter verification failed.")
        self.assertEqual(body["errors"], {"upid": "unable to parse worker upid"})
        fake = "UPID:pve-1:00001234:00005678:65A1B2C3:qmstart:104:root@pam!ci:"
        body = self.error("GET", f"/nodes/pve-1/tasks/{fake}/status", status=400)
        self.assertEqual(body["errors"], {"upid": "no such task"})
        # Someone else's task needs Sys.Audit on the node.
        upid = self.power("qemu", 104, "reset")
        self.error("GET", f"/nodes/pve-1/tasks/{upid}/status", auth=AUDIT_ONLY, status=403,
                   message="Permission check failed (/nodes/pve-1, Sys.Audit)")
        self.assertEqual(self.api("GET", f"/nodes/pve-1/tasks/{upid}/status", auth=ADMIN)[0], 200)

    # --- nodes out of reach ---------------------------------------------------------------------

    def test_offline_node_is_595(self):
        self.error("GET", "/nodes/pve-2/qemu", status=595, message="No route to host")
        self.error("GET", "/nodes/pve-2/qemu/300/status/current", status=595, message="No route to host")
        self.error("POST", "/nodes/pve-2/qemu/300/status/shutdown", {}, status=595,
                   message="No route to host")
        # The permission check runs on the node answering, before it forwards the call.
        self.error("POST", "/nodes/pve-2/qemu/300/status/shutdown", {}, auth=AUDIT_ONLY, status=403)
        self.error("GET", "/nodes/pve-9/qemu", status=500,
                   message="hostname lookup 'pve-9' failed - failed to get address info for: pve-9: "
                           "Name or service not known")
        self.control("POST", "/_sim/state", {"nodes": {"pve-2": {"online": True}}})
        self.assertEqual([g["vmid"] for g in self.ok("GET", "/nodes/pve-2/qemu")], [300])

    # --- transport ------------------------------------------------------------------------------

    def test_keep_alive_and_close_on_error(self):
        conn = http.client.HTTPSConnection("localhost", self.sim.port, context=self.ctx, timeout=5)
        headers = {"Authorization": TOKEN}
        conn.request("GET", "/api2/json/version", headers=headers)
        r = conn.getresponse()
        r.read()
        sock = conn.sock
        self.assertEqual((r.status, r.getheader("Connection")), (200, "Keep-Alive"))
        conn.request("POST", "/api2/json/nodes/pve-1/qemu/105/status/start", body="timeout=10",
                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        self.assertRegex(json.loads(r.read())["data"], UPID_RE)
        self.assertIs(conn.sock, sock)  # same connection
        conn.request("GET", "/api2/json/nodes/pve-1/qemu/999/status/current", headers=headers)
        r = conn.getresponse()
        r.read()
        self.assertEqual((r.status, r.getheader("Connection")), (500, "close"))
        conn.close()

    def test_delay_ms(self):
        self.control("POST", "/_sim/state", {"delay_ms": 250})
        t0 = time.monotonic()
        self.ok("GET", "/version")
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        t0 = time.monotonic()
        self.control("GET", "/_sim/state")
        self.assertLess(time.monotonic() - t0, 0.2)

    def test_gzip_for_large_answers(self):
        many = {str(1000 + i): {"node": "pve-1", "name": f"vm-{i}"} for i in range(30)}
        self.control("POST", "/_sim/state", {"guests": many})
        status, _, _, raw, headers = self.request(
            "GET", "/api2/json/nodes/pve-1/qemu", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertEqual(len(json.loads(gzip.decompress(raw))["data"]), 32)

    def test_legacy_error_body(self):
        self.control("POST", "/_sim/state", {"error_body": "legacy"})
        st, reason, body, raw, _ = self.api("GET", "/nodes/pve-1/qemu/999/status/current")
        self.assertEqual((st, body), (500, {"data": None}))
        self.assertEqual(reason, "Configuration file 'nodes/pve-1/qemu-server/999.conf' does not exist")
        st, reason, body, raw, _ = self.api("GET", "/nodes", auth=None)
        self.assertEqual((st, reason, raw), (401, "No ticket", b""))
        st, reason, body, raw, _ = self.api("POST", "/nodes/pve-1/qemu/104/status/stop",
                                            {"timeout": "x"})
        self.assertEqual((st, body), (400, {"data": None, "errors": {
            "timeout": "type check ('integer') failed - got 'x'"}}))

    def test_fail_lists(self):
        self.control("POST", "/_sim/state", {"fail_lists": {"lxc": "unable to read lxc list: pmxcfs is not mounted"}})
        st, reason, body, _, _ = self.api("GET", "/nodes/pve-1/lxc")
        self.assertEqual((st, reason), (500, "unable to read lxc list: pmxcfs is not mounted"))
        self.assertEqual(body, {"data": None, "message": "unable to read lxc list: pmxcfs is not mounted\n"})
        self.assertEqual(self.api("GET", "/nodes/pve-1/qemu")[0], 200)
        with self.assertRaises(urllib.error.HTTPError) as refused:
            self.control("POST", "/_sim/state", {"fail_lists": {"vms": "x"}})
        self.assertEqual(refused.exception.code, 400)
        self.control("POST", "/_sim/state", {"fail_lists": {}})
        self.assertEqual(self.api("GET", "/nodes/pve-1/lxc")[0], 200)

    # --- control API ----------------------------------------------------------------------------

    def test_requests_log(self):
        self.control("POST", "/_sim/reset-requests")
        self.api("GET", "/cluster/resources?type=vm")
        self.api("POST", "/nodes/pve-1/qemu/104/status/shutdown", {"timeout": "30", "forceStop": "1"})
        self.api("GET", "/nodes", auth=None)
        log = self.control("GET", "/_sim/requests")
        self.assertEqual([(e["method"], e["path"], e["query"], e["form"], e["authorization"], e["status"])
                          for e in log], [
            ("GET", "/api2/json/cluster/resources", {"type": "vm"}, {}, True, 200),
            ("POST", "/api2/json/nodes/pve-1/qemu/104/status/shutdown", {},
             {"timeout": "30", "forceStop": "1"}, True, 200),
            ("GET", "/api2/json/nodes", {}, {}, False, 401)])
        self.assertNotIn("s3cret", json.dumps(log))
        self.control("POST", "/_sim/reset-requests")
        self.assertEqual(self.control("GET", "/_sim/requests"), [])

    def test_state_patching(self):
        s = self.control("POST", "/_sim/state", {"guests": {"104": {"status": "stopped"},
                                                            "400": {"node": "pve-1", "type": "lxc",
                                                                    "status": "running"},
                                                            "105": None},
                                                 "delay_ms": 0})
        self.assertEqual(sorted(g["vmid"] for g in s["guests"]), [104, 200, 201, 300, 400])
        self.assertEqual(self.ok("GET", "/nodes/pve-1/qemu/104/status/current")["status"], "stopped")
        self.assertEqual(self.ok("GET", "/nodes/pve-1/lxc/400/status/current")["name"], "CT400")
        # A list replaces the whole list.
        s = self.control("POST", "/_sim/state", {"guests": [{"node": "pve-1", "vmid": 101}]})
        self.assertEqual([(g["vmid"], g["type"], g["status"]) for g in s["guests"]], [(101, "qemu", "stopped")])
        req = urllib.request.Request(self.base + "/_sim/state", data=b'{"guests": {"101": {"status": "on"}}}',
                                     method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, context=self.ctx, timeout=5)
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("error", json.loads(cm.exception.read()))


class CertificateAndSignalTest(unittest.TestCase):
    """The CA-signed variant of make_cert.sh, plain HTTP, and the exit on SIGTERM/SIGINT."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.state = os.path.join(self.tmp.name, "state.json")
        with open(self.state, "w") as f:
            json.dump(STATE, f)

    def test_ca_signed_certificate(self):
        fp = make_cert(self.tmp.name, ca=True)
        d = self.tmp.name
        for name in ("ca.pem", "cert.pem", "key.pem"):
            self.assertTrue(os.path.exists(os.path.join(d, name)), name)
        sim = start_sim(self.state, os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))
        try:
            ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
            for host in ("localhost", "127.0.0.1"):
                conn = http.client.HTTPSConnection(host, sim.port, context=ctx, timeout=5)
                conn.request("GET", "/api2/json/version", headers={"Authorization": TOKEN})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                der = conn.sock.getpeercert(binary_form=True)
                conn.close()
                digest = hashlib.sha256(der).hexdigest().upper()
                self.assertEqual(":".join(digest[i:i + 2] for i in range(0, 64, 2)), fp)
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_plain_http_and_signals(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            sim = start_sim(self.state)
            conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
            conn.request("GET", "/api2/json/nodes", headers={"Authorization": TOKEN})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            # An idle keep-alive connection must not hold up the exit.
            self.assertEqual(sim.stop(sig), 0)
            conn.close()

    def test_bad_state_file(self):
        with open(self.state, "w") as f:
            json.dump({"guests": [{"node": "pve-1", "vmid": 104, "status": "sleeping"}]}, f)
        r = subprocess.run([sys.executable, script_path(SIM), "--state", self.state],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn("status", r.stderr)


if __name__ == "__main__":
    unittest.main()
