#!/usr/bin/env python3
"""Proxmox VE REST API simulator for the PolicyOps `proxmox` driver tests.

Python 3 standard library only.

    python3 proxmox_sim.py --state FILE.json [--port 0] [--bind 127.0.0.1]
                           [--cert CERT.pem --key KEY.pem] [--verbose]

Prints exactly one line `PORT <n>` on stdout once listening, then serves (HTTPS when --cert and
--key are given, else HTTP) until SIGTERM or SIGINT, and exits 0.

Simulated API (base /api2/json, API-token authentication only):

    GET  /version
    GET  /nodes
    GET  /cluster/resources[?type=vm|node|storage|sdn]
    GET  /access/permissions[?path=/vms/104][&userid=...]
    GET  /nodes/{node}/qemu[?full=1]          GET /nodes/{node}/lxc
    GET  /nodes/{node}/{qemu|lxc}/{vmid}/status/current
    POST /nodes/{node}/qemu/{vmid}/status/{start|stop|shutdown|reboot|reset|suspend|resume}
    POST /nodes/{node}/lxc/{vmid}/status/{start|stop|shutdown|reboot|suspend|resume}
    GET  /nodes/{node}/tasks/{upid}/status

Control API (no authentication, no delay, not recorded; plain JSON, not wrapped in "data"):

    GET  /_sim/state            the whole state, plus "tasks" (read-only)
    POST /_sim/state            top-level keys replace those of the state; "guests" (and "nodes")
                                as an object patch entries by vmid (node name):
                                {"guests": {"104": {"status": "stopped"}}}; a null value removes
                                the entry, an unknown vmid with "node" adds a guest
    POST /_sim/reset            back to the state file; forgets tasks and recorded requests
    GET  /_sim/requests         every API request so far (method, path, query, form,
                                "authorization": true/false, status) - never a header's value
    POST /_sim/reset-requests   forget them

README.md in this folder lists the real behaviours reproduced and where each fact comes from.
The HTTP server plumbing (threads, TLS, the command line's common options, the PORT line and
the exit on signals) is simserver.py's.
"""

import argparse
import copy
import gzip
import json
import random
import re
import ssl
import sys
import threading
import time
from urllib.parse import parse_qsl, unquote, urlsplit

import simserver

# ---------------------------------------------------------------------------------------------
# State

DEFAULT_VERSION = {"version": "8.3.2", "release": "8.3", "repoid": "3e76eec21c4a14a7"}

STATE_DEFAULTS = {
    "nodes": [],
    "tokens": {},
    "guests": [],
    # Every API answer waits this long first.
    "delay_ms": 0,
    # The real server answers every 401 after 3 s (pve-http-server: "always delay unauthorized
    # calls by 3 seconds"); 0 here so tests stay fast.
    "auth_fail_delay_ms": 0,
    # How long a qemu task waits for the guest's config lock held by another task of the same
    # guest before it fails "can't lock file ... - got timeout" (real: 10 s).
    "lock_timeout_seconds": 10,
    # "message": error bodies are {"data": null, "message": "...\n"} (pve-http-server >= 5.2,
    # PVE 8.4); "legacy": {"data": null} only (older). 401 and 595 have no body either way.
    "error_body": "message",
    "version": DEFAULT_VERSION,
    # A guest list that fails: {"lxc": "<message>"} answers GET /nodes/{node}/lxc with 500 and
    # that message (a refresh that fails in part); "qemu" likewise.
    "fail_lists": {},
}

GUEST_DEFAULTS = {
    "type": "qemu",
    "status": "stopped",
    "tags": "",
    "ignores_acpi": False,
    "lock_attempts": 0,
    "fail_task": None,
    "task_seconds": 0.2,
    "lock": None,
}

QEMU_ACTIONS = ("start", "stop", "shutdown", "reboot", "reset", "suspend", "resume")
LXC_ACTIONS = ("start", "stop", "shutdown", "reboot", "suspend", "resume")

MiB = 1024 * 1024
GiB = 1024 * MiB


class StateError(Exception):
    pass


def _as_int(value, what):
    if isinstance(value, bool):
        raise StateError(f"{what} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    raise StateError(f"{what} must be an integer")


def normalize_guest(raw, existing=None):
    if not isinstance(raw, dict):
        raise StateError("a guest must be an object")
    g = dict(existing) if existing else dict(GUEST_DEFAULTS)
    g.update(raw)
    if "node" not in g or not isinstance(g["node"], str) or not g["node"]:
        raise StateError("a guest needs \"node\"")
    g["vmid"] = _as_int(g.get("vmid"), "guest vmid")
    if g["type"] not in ("qemu", "lxc"):
        raise StateError(f"guest {g['vmid']}: type must be \"qemu\" or \"lxc\"")
    status = g.get("status")
    if status == "paused":  # shorthand: a running qemu guest that is paused
        if g["type"] != "qemu":
            raise StateError(f"guest {g['vmid']}: only qemu guests can be paused")
        g["status"] = "running"
        g["qmpstatus"] = "paused"
    elif status not in ("running", "stopped"):
        raise StateError(f"guest {g['vmid']}: status must be running, stopped or paused")
    if g["type"] == "qemu":
        if g["status"] == "running":
            if g.get("qmpstatus") not in ("running", "paused"):
                g["qmpstatus"] = "running"
        else:
            g.pop("qmpstatus", None)
    else:
        g.pop("qmpstatus", None)
    if "name" not in g or g["name"] is None:
        g["name"] = f"VM {g['vmid']}" if g["type"] == "qemu" else f"CT{g['vmid']}"
    tags = g.get("tags")
    if tags is None:
        tags = ""
    if isinstance(tags, list):
        tags = ";".join(str(t) for t in tags)
    if not isinstance(tags, str):
        raise StateError(f"guest {g['vmid']}: tags must be a string")
    g["tags"] = tags
    g["ignores_acpi"] = bool(g.get("ignores_acpi"))
    g["lock_attempts"] = max(0, _as_int(g.get("lock_attempts") or 0, "lock_attempts"))
    if g.get("fail_task") is not None and not isinstance(g["fail_task"], str):
        raise StateError(f"guest {g['vmid']}: fail_task must be a string or null")
    try:
        g["task_seconds"] = max(0.0, float(g.get("task_seconds", 0.2)))
    except (TypeError, ValueError):
        raise StateError(f"guest {g['vmid']}: task_seconds must be a number")
    if g.get("lock") in ("", None):
        g["lock"] = None
    elif not isinstance(g["lock"], str):
        raise StateError(f"guest {g['vmid']}: lock must be a string or null")
    return g


def normalize_node(raw, existing=None):
    if not isinstance(raw, dict):
        raise StateError("a node must be an object")
    n = dict(existing) if existing else {"online": True}
    n.update(raw)
    if not isinstance(n.get("node"), str) or not n["node"]:
        raise StateError("a node needs \"node\"")
    n["online"] = bool(n.get("online", True))
    return n


def normalize_state(raw):
    if not isinstance(raw, dict):
        raise StateError("the state must be a JSON object")
    state = copy.deepcopy(STATE_DEFAULTS)
    state.update(copy.deepcopy(raw))
    state["nodes"] = [normalize_node(n) for n in state["nodes"]]
    if not isinstance(state["tokens"], dict):
        raise StateError("\"tokens\" must be an object")
    for tokenid, tok in state["tokens"].items():
        if not isinstance(tok, dict) or not isinstance(tok.get("secret"), str):
            raise StateError(f"token {tokenid}: needs a \"secret\" string")
        privs = tok.setdefault("privileges", {})
        if not isinstance(privs, dict):
            raise StateError(f"token {tokenid}: \"privileges\" must be an object")
    guests = [normalize_guest(g) for g in state["guests"]]
    seen = set()
    for g in guests:
        if g["vmid"] in seen:
            raise StateError(f"vmid {g['vmid']} used twice (vmids are unique in a cluster)")
        seen.add(g["vmid"])
    state["guests"] = guests
    for key in ("delay_ms", "auth_fail_delay_ms"):
        state[key] = max(0, _as_int(state[key], key))
    try:
        state["lock_timeout_seconds"] = max(0.0, float(state["lock_timeout_seconds"]))
    except (TypeError, ValueError):
        raise StateError("lock_timeout_seconds must be a number")
    fail_lists = state["fail_lists"]
    if not isinstance(fail_lists, dict) or any(k not in ("qemu", "lxc") or not isinstance(v, str) or not v for k, v in fail_lists.items()):
        raise StateError("fail_lists must map \"qemu\" or \"lxc\" to a non-empty message")
    if state["error_body"] not in ("message", "legacy"):
        raise StateError("error_body must be \"message\" or \"legacy\"")
    return state


# ---------------------------------------------------------------------------------------------
# Errors, in the shapes of PVE::Exception and pve-http-server

class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        # Perl's die "text\n": the message carries its newline into the JSON body.
        self.message = message if message.endswith("\n") else message + "\n"
        self.errors = errors


def param_exc(errors):
    return ApiError(400, "Parameter verification failed.", errors)


def perm_exc(path, privs):
    return ApiError(403, f"Permission check failed ({path}, {','.join(privs)})")


def die(message):
    return ApiError(500, message)


def conf_path(kind, node, vmid):
    return f"nodes/{node}/{'qemu-server' if kind == 'qemu' else 'lxc'}/{vmid}.conf"


def msg_config_missing(kind, node, vmid):
    return f"Configuration file '{conf_path(kind, node, vmid)}' does not exist"


def msg_no_such_vm(node, vmid):
    return f"unable to find configuration file for VM {vmid} on node '{node}'"


def msg_lock_timeout(kind, vmid):
    if kind == "qemu":
        return f"can't lock file '/var/lock/qemu-server/lock-{vmid}.conf' - got timeout"
    return f"can't lock file '/run/lock/lxc/pve-config-{vmid}.lock' - got timeout"


def msg_locked(kind, lock):
    return f"{'VM' if kind == 'qemu' else 'CT'} is locked ({lock})"


# ---------------------------------------------------------------------------------------------
# Parameter checks (PVE::JSONSchema)

INT_RE = re.compile(r"^[+-]?\d+$")

# A token ID: user@realm!tokenname (PVE::AccessControl $token_full_regex).
USER_RE = r"[^\s:/]+"
REALM_RE = r"[A-Za-z][A-Za-z0-9\.\-_]+"
TOKEN_FULL_RE = re.compile(rf"^(({USER_RE})@({REALM_RE}))!({REALM_RE})$")

UPID_RE = re.compile(r"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):"
                     r"([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$")

# Parameters only root@pam may set; an API token is never root@pam.
ROOT_ONLY = {"skiplock", "stateuri", "migratedfrom", "migration_type", "migration_network",
             "targetstorage", "force-cpu", "with-conntrack-state", "nets-host-mtu", "keepActive",
             "nocheck"}

# name -> (type, minimum) for each endpoint's optional parameters.
POWER_PARAMS = {
    ("qemu", "start"): {"skiplock": "boolean", "stateuri": "string", "migratedfrom": "string",
                        "migration_type": "string", "migration_network": "string",
                        "machine": "string", "force-cpu": "string", "targetstorage": "string",
                        "timeout": ("integer", 0), "with-conntrack-state": "boolean",
                        "nets-host-mtu": "string"},
    ("qemu", "stop"): {"skiplock": "boolean", "migratedfrom": "string", "timeout": ("integer", 0),
                       "keepActive": "boolean", "overrule-shutdown": "boolean"},
    ("qemu", "shutdown"): {"skiplock": "boolean", "timeout": ("integer", 0), "forceStop": "boolean",
                           "keepActive": "boolean"},
    ("qemu", "reboot"): {"timeout": ("integer", 0)},
    ("qemu", "reset"): {"skiplock": "boolean"},
    ("qemu", "suspend"): {"skiplock": "boolean", "todisk": "boolean", "statestorage": "string"},
    ("qemu", "resume"): {"skiplock": "boolean", "nocheck": "boolean"},
    ("lxc", "start"): {"skiplock": "boolean"},
    ("lxc", "stop"): {"skiplock": "boolean", "overrule-shutdown": "boolean"},
    ("lxc", "shutdown"): {"timeout": ("integer", 0), "forceStop": "boolean"},
    ("lxc", "reboot"): {"timeout": ("integer", 0)},
    ("lxc", "suspend"): {},
    ("lxc", "resume"): {},
}

TASK_TYPES = {
    ("qemu", "start"): "qmstart", ("qemu", "stop"): "qmstop", ("qemu", "shutdown"): "qmshutdown",
    ("qemu", "reboot"): "qmreboot", ("qemu", "reset"): "qmreset", ("qemu", "suspend"): "qmpause",
    ("qemu", "resume"): "qmresume",
    ("lxc", "start"): "vzstart", ("lxc", "stop"): "vzstop", ("lxc", "shutdown"): "vzshutdown",
    ("lxc", "reboot"): "vzreboot", ("lxc", "suspend"): "vzsuspend", ("lxc", "resume"): "vzresume",
}


def check_params(params, schema, uri_params=()):
    """Validates like PVE::JSONSchema (additionalProperties => 0); returns typed values."""
    errors = {}
    out = {}
    for name, value in params.items():
        if name in uri_params:
            errors[name] = "duplicate parameter (already defined in URI)"
            continue
        spec = schema.get(name)
        if spec is None:
            errors[name] = ("property is not defined in schema and the schema does not allow "
                            "additional properties")
            continue
        if isinstance(spec, tuple):
            kind, minimum, enum = (spec + (None, None))[:3]
        else:
            kind, minimum, enum = spec, None, None
        if kind == "integer":
            if not INT_RE.match(value):
                errors[name] = f"type check ('integer') failed - got '{value}'"
                continue
            v = int(value)
            if minimum is not None and v < minimum:
                errors[name] = f"value must have a minimum value of {minimum}"
                continue
            out[name] = v
        elif kind == "boolean":
            if value not in ("0", "1"):
                errors[name] = f"type check ('boolean') failed - got '{value}'"
                continue
            out[name] = value == "1"
        else:
            if enum is not None and value not in enum:
                errors[name] = (f"value '{value}' does not have a value in the enumeration "
                                f"'{', '.join(enum)}'")
                continue
            out[name] = value
    if errors:
        raise param_exc(errors)
    return out


def check_vmid(raw):
    if not INT_RE.match(raw):
        raise param_exc({"vmid": f"type check ('integer') failed - got '{raw}'"})
    v = int(raw)
    if v < 100:
        raise param_exc({"vmid": "value must have a minimum value of 100"})
    if v > 999999999:
        raise param_exc({"vmid": "value must have a maximum value of 999999999"})
    return v


def extract_auth_value(header, key):
    """PVE::APIServer::Formatter::extract_auth_value: `KEY=value` or `KEY value`, up to ';'."""
    if not header:
        return None
    m = re.search(r"(?:^|\s)" + re.escape(key) + r"(?:=| )([^;]*)", header)
    if not m or not m.group(1):
        return None
    return unquote(m.group(1))


# ---------------------------------------------------------------------------------------------
# Tasks

class Task:
    def __init__(self, upid, node, ttype, kind, action, vmid, user, pid, pstart, starttime,
                 params, created):
        self.upid = upid
        self.node = node
        self.type = ttype
        self.kind = kind
        self.action = action
        self.vmid = vmid
        self.user = user
        self.pid = pid
        self.pstart = pstart
        self.starttime = starttime
        self.params = params
        self.created = created
        self.state = "ready"  # ready -> working -> done; or waiting (for the config lock)
        self.run_at = created
        self.deadline = None
        self.end_at = None
        self.exitstatus = None
        self.effect = None
        self.holds_lock = False

    def public(self):
        d = {"upid": self.upid, "node": self.node, "pid": self.pid, "pstart": self.pstart,
             "starttime": self.starttime, "type": self.type, "id": str(self.vmid)}
        m = TOKEN_FULL_RE.match(self.user)
        if m:
            d["user"], d["tokenid"] = m.group(1), m.group(4)
        else:
            d["user"] = self.user
        if self.state == "done":
            d["status"] = "stopped"
            d["exitstatus"] = self.exitstatus
        else:
            d["status"] = "running"
        return d


# ---------------------------------------------------------------------------------------------
# The simulated cluster

class Sim:
    def __init__(self, initial):
        self.lock = threading.RLock()
        self.initial = normalize_state(initial)
        self.requests = []
        self.reset()

    def reset(self):
        with self.lock:
            self.state = copy.deepcopy(self.initial)
            self.tasks = {}
            self.requests = []
            self.lock_holder = {}  # vmid -> Task holding a qemu guest's config lock
            self.started = {}  # vmid -> wall time the guest (re)started
            now = time.time()
            for g in self.state["guests"]:
                if g["status"] == "running":
                    self.started[g["vmid"]] = now - random.randint(600, 86400)
            self.boot = now - random.randint(3600, 30 * 86400)
            self.next_pid = random.randint(0x1000, 0x40000)

    # --- lookups -------------------------------------------------------------------------

    def node(self, name):
        for n in self.state["nodes"]:
            if n["node"] == name:
                return n
        return None

    def guest(self, vmid):
        for g in self.state["guests"]:
            if g["vmid"] == vmid:
                return g
        return None

    def local_guest(self, kind, node, vmid):
        """The guest whose config exists as nodes/{node}/{kind}/{vmid}.conf, or None."""
        g = self.guest(vmid)
        if g and g["node"] == node and g["type"] == kind:
            return g
        return None

    @staticmethod
    def running(g):
        return g is not None and g["status"] == "running"

    # --- permissions ---------------------------------------------------------------------

    def privileges(self, tokenid, path):
        tok = self.state["tokens"].get(tokenid)
        if not tok:
            return {}
        path = "/" + path.strip("/") if path != "/" else "/"
        found = {}
        for acl_path, privs in tok.get("privileges", {}).items():
            p = "/" + acl_path.strip("/") if acl_path.strip("/") else "/"
            if p == "/" or path == p or path.startswith(p + "/"):
                for priv in privs:
                    found[priv] = 1
        return found

    def check(self, tokenid, path, privs):
        have = self.privileges(tokenid, path)
        if not all(p in have for p in privs):
            raise perm_exc(path, privs)

    def allowed(self, tokenid, path, privs):
        have = self.privileges(tokenid, path)
        return all(p in have for p in privs)

    # --- authentication (PVE::AccessControl::verify_token) --------------------------------

    def authenticate(self, headers):
        auth = headers.get("Authorization")
        cookie = headers.get("Cookie")
        ticket = extract_auth_value(cookie, "PVEAuthCookie") or extract_auth_value(auth, "PVEAuthCookie")
        if ticket:
            # The simulator knows no tickets; every one is invalid.
            raise ApiError(401, "permission denied - invalid PVE ticket")
        token = extract_auth_value(auth, "PVEAPIToken")
        if not token:
            raise ApiError(401, "No ticket")
        m = re.match(r"^(.*)=(.*)$", token, re.S)
        if not m:
            raise ApiError(401, "no tokenid specified")
        tokenid, value = m.group(1), m.group(2)
        tm = TOKEN_FULL_RE.match(tokenid)
        if not tm:
            raise ApiError(401, f"'{tokenid}' is not a valid token ID - not able to split into "
                                "user and token parts")
        user, name = tm.group(1), tm.group(4)
        tokens = self.state["tokens"]
        if not any(t.split("!", 1)[0] == user for t in tokens):
            raise ApiError(401, f"no such user ('{user}')")
        tok = tokens.get(tokenid)
        if tok is None:
            raise ApiError(401, f"no such token '{name}' for user '{user}'")
        expire = tok.get("expire")
        if expire and expire < time.time():
            raise ApiError(401, f"token '{name}' access expired")
        if value != tok["secret"]:
            raise ApiError(401, "invalid token value!")
        return tokenid

    # --- task engine ---------------------------------------------------------------------

    def advance(self, now=None):
        """Runs every task event due by `now`, in time order."""
        now = time.monotonic() if now is None else now
        while True:
            best = None
            for t in self.tasks.values():
                if t.state == "working":
                    ev = (t.end_at, 0, t)
                elif t.state == "waiting":
                    ev = (t.deadline, 1, t)
                elif t.state == "ready":
                    ev = (t.run_at, 2, t)
                else:
                    continue
                if ev[0] <= now and (best is None or ev[:2] < best[:2]):
                    best = ev
            if best is None:
                return
            at, kind, t = best
            if kind == 0:
                self._finish(t, at)
            elif kind == 1:
                t.state = "done"
                t.end_at = at
                t.exitstatus = msg_lock_timeout(t.kind, t.vmid)
            else:
                duration, exitstatus, effect = self._evaluate(t)
                t.state = "working"
                t.end_at = at + duration
                t.exitstatus = exitstatus
                t.effect = effect

    def _finish(self, t, at):
        t.state = "done"
        if t.effect:
            t.effect(at)
            t.effect = None
        self._release(t, at)

    def _release(self, t, at):
        if not t.holds_lock:
            return
        t.holds_lock = False
        if self.lock_holder.get(t.vmid) is t:
            del self.lock_holder[t.vmid]
        waiting = [w for w in self.tasks.values()
                   if w.state == "waiting" and w.vmid == t.vmid and w.deadline >= at]
        if waiting:
            nxt = min(waiting, key=lambda w: w.created)
            nxt.state = "ready"
            nxt.run_at = at
            nxt.holds_lock = True
            self.lock_holder[t.vmid] = nxt

    def new_task(self, node, kind, action, ttype, vmid, user, params):
        now = time.monotonic()
        pid = self.next_pid
        self.next_pid += random.randint(1, 97)
        pstart = int((time.time() - self.boot) * 100)  # clock ticks since boot (USER_HZ 100)
        starttime = int(time.time())
        upid = f"UPID:{node}:{pid:08X}:{pstart:08X}:{starttime:08X}:{ttype}:{vmid}:{user}:"
        t = Task(upid, node, ttype, kind, action, vmid, user, pid, pstart, starttime, params, now)
        if kind == "qemu":
            # A qemu worker holds the guest's config lock (lock_config) for its whole run.
            holder = self.lock_holder.get(vmid)
            if holder is not None and holder.state != "done":
                t.state = "waiting"
                t.deadline = now + self.state["lock_timeout_seconds"]
            else:
                t.holds_lock = True
                self.lock_holder[vmid] = t
        self.tasks[upid] = t
        return t

    def abort_tasks(self, ttype, vmid, node):
        """PVE::GuestHelpers::abort_guest_tasks (stop's overrule-shutdown)."""
        now = time.monotonic()
        for t in list(self.tasks.values()):
            if t.state != "done" and t.type == ttype and t.vmid == vmid and t.node == node:
                t.state = "done"
                t.end_at = now
                t.effect = None
                t.exitstatus = "received interrupt"
                self._release(t, now)

    # --- what a task does, decided when it starts its work ----------------------------------

    def _set_running(self, g, at, restart=True):
        g["status"] = "running"
        if g["type"] == "qemu":
            g["qmpstatus"] = "running"
        if restart or g["vmid"] not in self.started:
            self.started[g["vmid"]] = time.time()

    def _set_stopped(self, g, at):
        g["status"] = "stopped"
        g.pop("qmpstatus", None)
        self.started.pop(g["vmid"], None)

    def _evaluate(self, t):
        kind, action, vmid, node, p = t.kind, t.action, t.vmid, t.node, t.params
        g = self.local_guest(kind, node, vmid)
        other = self.guest(vmid)
        ts = (g or other or GUEST_DEFAULTS)["task_seconds"]
        ok = "OK"

        def effect(fn):
            # Applied when the task ends, to the guest as it is then (the state may have been
            # patched meanwhile); nothing happens if its config is gone from this node.
            def apply(at):
                cur = self.local_guest(kind, node, vmid)
                if cur is not None:
                    fn(cur, at)
            return apply

        if kind == "qemu":
            # The worker's first step is PVE::QemuConfig->lock_config.
            if other is not None and other["lock_attempts"] > 0:
                other["lock_attempts"] -= 1
                return ts, msg_lock_timeout(kind, vmid), None
        if g is not None and g.get("fail_task") is not None:
            text = g["fail_task"]
            g["fail_task"] = None
            return ts, text, None

        if kind == "qemu":
            lock = g["lock"] if g else None
            locked = lock is not None and not p.get("skiplock")
            if action == "start":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock == "backup" and self.running(g):
                    return ts, ok, None
                if locked and lock != "suspended":
                    return 0.0, msg_locked(kind, lock), None
                if self.running(g):
                    return 0.0, f"VM {vmid} already running", None

                def start(g, at):
                    if g["lock"] == "suspended":
                        g["lock"] = None
                    self._set_running(g, at)
                return ts, ok, effect(start)
            if action in ("stop", "shutdown"):
                if g is None:
                    return 0.0, msg_no_such_vm(node, vmid), None
                if not self.running(g):
                    return 0.0, ok, None
                if locked:
                    return 0.0, msg_locked(kind, lock), None
                if action == "shutdown" and p.get("_mode") != "stop" and g["ignores_acpi"]:
                    wait = min(p.get("timeout", 60), ts * 2)
                    if p.get("forceStop"):
                        return wait, ok, effect(self._set_stopped)
                    return wait, "VM quit/powerdown failed - got timeout", None
                return ts, ok, effect(self._set_stopped)
            if action == "reboot":
                if g is None:
                    return 0.0, msg_no_such_vm(node, vmid), None
                if not self.running(g):
                    return 0.0, ok, None
                if locked:
                    return 0.0, msg_locked(kind, lock), None
                if g["ignores_acpi"]:
                    return min(p.get("timeout", 60), ts * 2), "VM quit/powerdown failed - got timeout", None
                return ts, ok, effect(lambda g, at: self._set_running(g, at, restart=True))
            if action == "reset":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if locked:
                    return 0.0, msg_locked(kind, lock), None
                if not self.running(g):
                    return 0.0, f"VM {vmid} not running", None
                return ts, ok, effect(lambda g, at: self._set_running(g, at, restart=True))
            if action == "suspend":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if locked:
                    return 0.0, msg_locked(kind, lock), None
                if not self.running(g):
                    return 0.0, f"VM {vmid} not running", None
                if p.get("todisk"):
                    def hibernate(g, at):
                        self._set_stopped(g, at)
                        g["lock"] = "suspended"
                    return ts, ok, effect(hibernate)

                def pause(g, at):
                    g["qmpstatus"] = "paused"
                return ts, ok, effect(pause)
            if action == "resume":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock == "suspended":
                    def wake(g, at):
                        g["lock"] = None
                        self._set_running(g, at)
                    return ts, ok, effect(wake)
                if locked and lock != "backup":
                    return 0.0, msg_locked(kind, lock), None
                if not self.running(g):
                    return 0.0, f"VM {vmid} not running", None
                if g.get("qmpstatus") == "running":
                    return 0.0, ok, None

                def cont(g, at):
                    g["qmpstatus"] = "running"
                return ts, ok, effect(cont)
        else:
            lock = g["lock"] if g else None
            if action == "start":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock and lock != "mounted" and not p.get("skiplock"):
                    return 0.0, msg_locked(kind, lock), None
                if self.running(g):
                    return 0.0, f"CT {vmid} already running", None
                return ts, ok, effect(self._set_running)
            if action == "stop":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock and lock != "mounted" and not p.get("skiplock"):
                    return 0.0, msg_locked(kind, lock), None
                if not self.running(g):
                    return 0.0, ok, None
                return ts, ok, effect(self._set_stopped)
            if action == "shutdown":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock:
                    return 0.0, msg_locked(kind, lock), None
                if not self.running(g):
                    return 0.0, ok, None
                if g["ignores_acpi"]:
                    wait = min(p.get("timeout", 60), ts * 2)
                    if p.get("forceStop"):
                        return wait, ok, effect(self._set_stopped)
                    return wait, "container did not stop", None
                return ts, ok, effect(self._set_stopped)
            if action == "reboot":
                # PVE::LXC::vm_reboot takes the config lock inside the worker.
                if other is not None and other["lock_attempts"] > 0:
                    other["lock_attempts"] -= 1
                    return ts, msg_lock_timeout(kind, vmid), None
                if not self.running(g):
                    return 0.0, ok, None
                wait = min(p.get("timeout", 60), ts * 2) if g["ignores_acpi"] else ts
                return wait, ok, effect(lambda g, at: self._set_running(g, at, restart=True))
            if action == "suspend":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                if lock:
                    return 0.0, msg_locked(kind, lock), None
                # lxc-checkpoint -s: the container is checkpointed and stopped.
                return ts, ok, effect(self._set_stopped)
            if action == "resume":
                if g is None:
                    return 0.0, msg_config_missing(kind, node, vmid), None
                return ts, ok, effect(self._set_running)
        return 0.0, f"unexpected action {action}", None

    # --- the checks a power endpoint makes before it forks its worker ----------------------

    def power(self, tokenid, node, kind, vmid_raw, action, params):
        vmid = check_vmid(vmid_raw)
        p = check_params(params, POWER_PARAMS[(kind, action)], ("node", "vmid"))
        for name in sorted(p):
            if name in ROOT_ONLY and p[name]:
                raise param_exc({name: "Only root may use this option."})
        g = self.local_guest(kind, node, vmid)
        other = self.guest(vmid)
        ttype = TASK_TYPES[(kind, action)]
        if kind == "qemu":
            paused = self.running(g) and g.get("qmpstatus") == "paused"
            if action == "shutdown" and paused:
                if p.get("forceStop"):
                    p["_mode"] = "stop"  # "VM is paused - stop instead of shutdown"
                else:
                    raise die("VM is paused - cannot shutdown")
            if action == "reboot" and paused:
                raise die("VM is paused - cannot shutdown")
            if action in ("reboot", "reset", "suspend"):
                if g is None:
                    raise die(msg_no_such_vm(node, vmid))
                if not self.running(g):
                    raise die(f"VM {vmid} not running")
            if action == "suspend" and p.get("todisk"):
                self.check(tokenid, f"/vms/{vmid}", ["VM.Config.Disk"])
                ttype = "qmsuspend"
            if action == "resume":
                if not (g is not None and g["lock"] == "suspended"):
                    if g is None:
                        raise die(msg_no_such_vm(node, vmid))
                    if not self.running(g):
                        raise die(f"VM {vmid} not running")
            if action == "stop" and p.get("overrule-shutdown"):
                self.abort_tasks("qmshutdown", vmid, node)
        else:
            running = self.running(g)
            if action in ("start", "resume") and running:
                raise die(f"CT {vmid} already running")
            if action in ("stop", "shutdown", "suspend") and not running:
                raise die(f"CT {vmid} not running")
            if action == "reboot" and not running:
                raise die(f"VM {vmid} not running")  # sic: pve-container says "VM" here
            if action == "stop" and p.get("overrule-shutdown"):
                self.abort_tasks("vzshutdown", vmid, node)
            if action in ("start", "stop", "shutdown", "suspend"):
                # PVE::LXC::Config->lock_config wraps fork_worker in the API handler itself.
                if other is not None and other["lock_attempts"] > 0:
                    other["lock_attempts"] -= 1
                    raise die(msg_lock_timeout(kind, vmid))
        t = self.new_task(node, kind, action, ttype, vmid, tokenid, p)
        self.advance()
        return t.upid

    # --- read endpoints ------------------------------------------------------------------

    def uptime(self, g):
        if not self.running(g):
            return 0
        return max(0, int(time.time() - self.started.get(g["vmid"], time.time())))

    def vm_entry(self, g, full=False):
        running = self.running(g)
        if g["type"] == "qemu":
            maxmem = int(g.get("maxmem", 2048 * MiB))
            d = {"vmid": g["vmid"], "name": g["name"], "status": g["status"],
                 "cpus": g.get("cpus", 1), "maxmem": maxmem,
                 "maxdisk": int(g.get("maxdisk", 32 * GiB)), "disk": 0,
                 "mem": maxmem // 4 if running else 0, "cpu": 0.0123 if running else 0,
                 "uptime": self.uptime(g), "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0}
            d["memhost"] = d["mem"]
            if full:
                # vmstatus(full): QMP's status while running, else the plain status.
                d["qmpstatus"] = g.get("qmpstatus", "running") if running else g["status"]
        else:
            maxmem = int(g.get("maxmem", 512 * MiB))
            d = {"vmid": g["vmid"], "type": "lxc", "name": g["name"], "status": g["status"],
                 "cpus": g.get("cpus", 1), "maxmem": maxmem, "maxswap": int(g.get("maxswap", 512 * MiB)),
                 "maxdisk": int(g.get("maxdisk", 8 * GiB)), "disk": 0, "swap": 0,
                 "mem": maxmem // 8 if running else 0, "cpu": 0.0042 if running else 0,
                 "uptime": self.uptime(g), "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0}
        if running:
            d["pid"] = 10000 + g["vmid"] % 50000
        if g["tags"]:
            d["tags"] = g["tags"]
        if g["lock"]:
            d["lock"] = g["lock"]
        if g.get("template"):
            d["template"] = 1
        return d

    def list_guests(self, tokenid, node, kind, full):
        if self.state["fail_lists"].get(kind):
            raise die(self.state["fail_lists"][kind])
        res = []
        for g in self.state["guests"]:
            if g["node"] != node or g["type"] != kind:
                continue
            if not self.allowed(tokenid, f"/vms/{g['vmid']}", ["VM.Audit"]):
                continue
            res.append(self.vm_entry(g, full))
        return res

    def status_current(self, node, kind, vmid):
        g = self.local_guest(kind, node, vmid)
        if g is None:
            raise die(msg_config_missing(kind, node, vmid))
        d = self.vm_entry(g, full=True)
        d["ha"] = {"managed": 0}
        if kind == "qemu":
            if g.get("agent"):
                d["agent"] = 1
            if self.running(g):
                d["running-qemu"] = "9.2.0"
                d["running-machine"] = "pc-i440fx-9.2+pve1"
        return d

    def node_entry(self, n, audit):
        d = {"node": n["node"], "id": f"node/{n['node']}", "type": "node",
             "status": "online" if n["online"] else "offline", "level": ""}
        if n.get("ssl_fingerprint"):
            d["ssl_fingerprint"] = n["ssl_fingerprint"]
        if audit and n["online"]:
            d.update({"cpu": 0.031, "maxcpu": n.get("maxcpu", 8),
                      "mem": 6 * GiB, "maxmem": n.get("maxmem", 32 * GiB),
                      "disk": 9 * GiB, "maxdisk": 94 * GiB,
                      "uptime": int(time.time() - self.boot)})
        return d

    def nodes(self, tokenid):
        return [self.node_entry(n, self.allowed(tokenid, f"/nodes/{n['node']}", ["Sys.Audit"]))
                for n in self.state["nodes"]]

    def resources(self, tokenid, rtype):
        res = []
        if rtype in (None, "node"):
            for n in self.state["nodes"]:
                if self.allowed(tokenid, f"/nodes/{n['node']}", ["Sys.Audit"]):
                    d = self.node_entry(n, True)
                    d.pop("ssl_fingerprint", None)
                    res.append(d)
        if rtype in (None, "vm"):
            for g in self.state["guests"]:
                if not self.allowed(tokenid, f"/vms/{g['vmid']}", ["VM.Audit"]):
                    continue
                n = self.node(g["node"])
                base = {"id": f"{g['type']}/{g['vmid']}", "type": g["type"], "vmid": g["vmid"],
                        "node": g["node"], "name": g["name"], "template": 1 if g.get("template") else 0}
                if g["tags"]:
                    base["tags"] = g["tags"]
                if n is None or not n["online"]:
                    # Guests of a node the cluster cannot reach: no live figures.
                    base["status"] = "unknown"
                    res.append(base)
                    continue
                e = self.vm_entry(g)
                base.update({"status": g["status"], "maxcpu": e["cpus"], "maxmem": e["maxmem"],
                             "maxdisk": e["maxdisk"], "mem": e["mem"], "disk": 0, "cpu": e["cpu"],
                             "uptime": e["uptime"], "netin": 0, "netout": 0, "diskread": 0,
                             "diskwrite": 0})
                if g["lock"]:
                    base["lock"] = g["lock"]
                res.append(base)
        return res

    def permissions(self, tokenid, params):
        p = check_params(params, {"userid": "string", "path": "string"})
        userid = p.get("userid", tokenid)
        if userid != tokenid:
            # Someone else's permissions: needs Sys.Audit on /access.
            self.check(tokenid, "/access", ["Sys.Audit"])
        path = p.get("path")
        if path:
            return {path: self.privileges(userid, path)}
        tok = self.state["tokens"].get(userid, {})
        return {acl: self.privileges(userid, acl) for acl in tok.get("privileges", {})}

    def task_status(self, tokenid, node, upid):
        if not UPID_RE.match(upid):
            raise param_exc({"upid": "unable to parse worker upid"})
        t = self.tasks.get(upid)
        if t is None or t.node != node:
            raise param_exc({"upid": "no such task"})
        if t.user != tokenid:
            self.check(tokenid, f"/nodes/{node}", ["Sys.Audit"])
        return t.public()

    # --- control API ---------------------------------------------------------------------

    def snapshot(self):
        s = copy.deepcopy(self.state)
        s["tasks"] = [t.public() for t in self.tasks.values()]
        return s

    def patch(self, body):
        if not isinstance(body, dict):
            raise StateError("the body must be a JSON object")
        new = copy.deepcopy(self.state)
        for key, value in body.items():
            if key == "tasks":
                raise StateError("\"tasks\" is read-only")
            if key == "guests" and isinstance(value, dict):
                for vmid_s, patch in value.items():
                    vmid = _as_int(vmid_s, "guest key")
                    idx = next((i for i, g in enumerate(new["guests"]) if g["vmid"] == vmid), None)
                    if patch is None:
                        if idx is not None:
                            del new["guests"][idx]
                        continue
                    if not isinstance(patch, dict):
                        raise StateError(f"guest {vmid}: patch must be an object or null")
                    patch = dict(patch, vmid=vmid)
                    if idx is None:
                        new["guests"].append(normalize_guest(patch))
                    else:
                        old = new["guests"][idx]
                        if "status" in patch and patch["status"] != "paused":
                            old = dict(old)
                            old.pop("qmpstatus", None)
                        new["guests"][idx] = normalize_guest(patch, old)
            elif key == "nodes" and isinstance(value, dict):
                for name, patch in value.items():
                    idx = next((i for i, n in enumerate(new["nodes"]) if n["node"] == name), None)
                    if patch is None:
                        if idx is not None:
                            del new["nodes"][idx]
                        continue
                    patch = dict(patch, node=name)
                    if idx is None:
                        new["nodes"].append(normalize_node(patch))
                    else:
                        new["nodes"][idx] = normalize_node(patch, new["nodes"][idx])
            else:
                new[key] = value
        new = normalize_state(new)
        before = {g["vmid"]: g["status"] for g in self.state["guests"]}
        self.state = new
        now = time.time()
        for g in new["guests"]:
            if g["status"] == "running" and before.get(g["vmid"]) != "running":
                self.started[g["vmid"]] = now
            elif g["status"] != "running":
                self.started.pop(g["vmid"], None)


# ---------------------------------------------------------------------------------------------
# HTTP

def compact(obj):
    """JSON as the real server writes it (Perl to_json: no spaces)."""
    return json.dumps(obj, separators=(",", ":")).encode()


class Response:
    def __init__(self, status, reason, body, close=False):
        self.status = status
        self.reason = reason
        self.body = body  # bytes
        self.close = close


KNOWN_METHODS = ("GET", "POST", "PUT", "DELETE")


class Handler(simserver.Handler):
    server_version = "pve-api-daemon/3.0"
    log_name = "proxmox_sim"
    log_client = False

    def send(self, resp, extra=()):
        reason = (resp.reason or "").splitlines()[0] if resp.reason else ""
        reason = reason.encode("latin-1", "replace").decode("latin-1")
        body = resp.body
        headers = list(extra)
        if body and len(body) > 1024 and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response(resp.status, reason)
        stamp = self.date_time_string()
        self.send_header("Cache-Control", "max-age=0")
        self.send_header("Pragma", "no-cache")
        self.send_header("Expires", stamp)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if resp.close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Connection", "Keep-Alive")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()

    def read_plain_body(self):
        """(body, None), or (None, the 501 reason): pve-http-server takes no chunked body."""
        te = self.headers.get("Transfer-Encoding")
        if te:
            return None, ("chunked transfer encoding not supported" if te.lower() == "chunked"
                          else f"Unknown transfer encoding '{te}'")
        length = self.headers.get("Content-Length")
        if not length:
            return b"", None
        try:
            n = int(length)
        except ValueError:
            return None, "bad Content-Length"
        return self.rfile.read(n) if n > 0 else b"", None

    def dispatch(self):
        sim = self.server.app
        split = urlsplit(self.path)
        path = unquote(split.path)
        if path == "/_sim" or path.startswith("/_sim/"):
            body, err = self.read_plain_body()
            if err:
                return self.send(Response(501, err, b"", close=True))
            return self.control(sim, path, body)

        if self.command not in KNOWN_METHODS:
            self.read_plain_body()
            return self.send(Response(501, f"method '{self.command}' not available", b"", close=True))

        query = dict(parse_qsl(split.query, keep_blank_values=True))
        entry = {"time": time.time(), "method": self.command, "path": path, "query": query,
                 "form": {}, "authorization": self.headers.get("Authorization") is not None}
        body, err = self.read_plain_body()
        if err:
            entry["status"] = 501
            with sim.lock:
                sim.requests.append(entry)
            return self.send(Response(501, err, b"", close=True))

        with sim.lock:
            delay = sim.state["delay_ms"]
        if delay:
            time.sleep(delay / 1000.0)

        status, resp = self.api(sim, path, query, body, entry)
        entry["status"] = resp.status
        with sim.lock:
            sim.requests.append(entry)
            fail_delay = sim.state["auth_fail_delay_ms"]
        if resp.status == 401 and fail_delay:
            time.sleep(fail_delay / 1000.0)
        self.send(resp, [("Content-Type", "application/json;charset=UTF-8")] if resp.body else [])

    def form_params(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not body:
            return {}
        if ctype == "application/json":
            try:
                obj = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "malformed JSON string")
            if not isinstance(obj, dict):
                raise ApiError(400, "malformed JSON string")
            out = {}
            for k, v in obj.items():
                if isinstance(v, bool):
                    v = "1" if v else "0"
                elif v is None:
                    continue
                out[k] = v if isinstance(v, str) else json.dumps(v)
            return out
        if ctype in ("", "application/x-www-form-urlencoded"):
            return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        raise ApiError(506, f"upload 'Content-Type '{self.headers.get('Content-Type')}' not implemented")

    def api(self, sim, path, query, body, entry):
        with sim.lock:
            sim.advance()
            legacy = sim.state["error_body"] == "legacy"
            try:
                data = self.route(sim, path, query, body, entry)
                return 200, Response(200, "OK", compact({"data": data}))
            except Exception as e:  # a simulator bug: answer like an unexpected Perl die
                if not isinstance(e, ApiError):
                    import traceback
                    traceback.print_exc(file=sys.stderr)
                    e = ApiError(500, f"simulator internal error: {e}")
                if e.status in (401, 595):
                    # Answered by the HTTP layer, not the API formatter: no body at all.
                    payload = b""
                else:
                    obj = {"data": None}
                    if not legacy:
                        obj["message"] = e.message
                    if e.errors:
                        obj["errors"] = e.errors
                    payload = compact(obj)
                # pve-http-server drops keep-alive for every answer >= 400.
                return e.status, Response(e.status, e.message, payload, close=True)

    def route(self, sim, path, query, body, entry):
        m = re.match(r"^/api2/+([a-z][a-z0-9]+)(/.*)?$", path)
        if not path.startswith("/api2"):
            raise ApiError(501, f"no such file '{path}'")
        if not m:
            raise ApiError(501, "no such uri")
        fmt, rel = m.group(1), m.group(2) or "/"
        tokenid = sim.authenticate(self.headers)
        if fmt != "json":
            raise ApiError(501, f"no formatter for uri {rel}, {fmt}")
        params = {}
        if self.command in ("GET", "DELETE") and body:
            raise ApiError(501, f"Unexpected content for method '{self.command}'")
        if self.command in ("POST", "PUT"):
            params.update(self.form_params(body))
            entry["form"] = dict(params)
        params.update(query)
        params.pop("_dc", None)  # the "disable cache" parameter is always dropped
        rel_clean = "/" + "/".join(s for s in rel.split("/") if s)
        parts = rel_clean.strip("/").split("/") if rel_clean != "/" else []
        method = self.command
        not_impl = ApiError(501, f"Method '{method} {rel}' not implemented")

        if method == "GET" and parts == ["version"]:
            check_params(params, {})
            return dict(sim.state.get("version") or DEFAULT_VERSION)
        if method == "GET" and parts == ["nodes"]:
            check_params(params, {})
            return sim.nodes(tokenid)
        if method == "GET" and parts == ["cluster", "resources"]:
            p = check_params(params, {"type": ("string", None, ("vm", "storage", "node", "sdn"))})
            return sim.resources(tokenid, p.get("type"))
        if method == "GET" and parts == ["access", "permissions"]:
            return sim.permissions(tokenid, params)
        if len(parts) >= 2 and parts[0] == "nodes":
            node = parts[1]
            rest = parts[2:]
            handler = None
            if method == "GET" and len(rest) == 1 and rest[0] in ("qemu", "lxc"):
                kind = rest[0]
                schema = {"full": "boolean"} if kind == "qemu" else {}

                def handler():
                    p = check_params(params, schema, ("node",))
                    return sim.list_guests(tokenid, node, kind, p.get("full", False))
            elif len(rest) == 4 and rest[0] in ("qemu", "lxc") and rest[2] == "status":
                kind, vmid_raw, verb = rest[0], rest[1], rest[3]
                if method == "GET" and verb == "current":
                    sim.check(tokenid, f"/vms/{vmid_raw}", ["VM.Audit"])

                    def handler():
                        vmid = check_vmid(vmid_raw)
                        check_params(params, {}, ("node", "vmid"))
                        return sim.status_current(node, kind, vmid)
                elif method == "POST" and verb in (QEMU_ACTIONS if kind == "qemu" else LXC_ACTIONS):
                    sim.check(tokenid, f"/vms/{vmid_raw}", ["VM.PowerMgmt"])

                    def handler():
                        return sim.power(tokenid, node, kind, vmid_raw, verb, params)
            elif method == "GET" and len(rest) == 3 and rest[0] == "tasks" and rest[2] == "status":
                upid = rest[1]

                def handler():
                    check_params(params, {}, ("node", "upid"))
                    return sim.task_status(tokenid, node, upid)
            if handler is None:
                raise not_impl
            # proxyto => 'node': the answering node forwards the call to {node}.
            n = sim.node(node)
            if n is None:
                raise die(f"hostname lookup '{node}' failed - failed to get address info for: "
                          f"{node}: Name or service not known")
            if not n["online"]:
                raise ApiError(595, "No route to host")
            return handler()
        raise not_impl

    def control(self, sim, path, raw):
        route = (self.command, path.rstrip("/") or "/")

        def answer(status, obj):
            self.send(Response(status, "OK" if status == 200 else "Bad Request",
                               json.dumps(obj).encode()), [("Content-Type", "application/json")])

        with sim.lock:
            sim.advance()
            if route == ("GET", "/_sim/state"):
                return answer(200, sim.snapshot())
            if route == ("POST", "/_sim/state"):
                try:
                    body = json.loads(raw.decode("utf-8") or "{}")
                    sim.patch(body)
                except (ValueError, UnicodeDecodeError) as e:
                    return answer(400, {"error": f"bad JSON: {e}"})
                except StateError as e:
                    return answer(400, {"error": str(e)})
                return answer(200, sim.snapshot())
            if route == ("POST", "/_sim/reset"):
                sim.reset()
                return answer(200, sim.snapshot())
            if route == ("GET", "/_sim/requests"):
                return answer(200, sim.requests)
            if route == ("POST", "/_sim/reset-requests"):
                sim.requests = []
                return answer(200, {"ok": True})
        self.send(Response(404, "Not Found", json.dumps({"error": "no such control endpoint"}).encode()),
                  [("Content-Type", "application/json")])


def load_state(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise StateError(f"cannot read state file {path}: {e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Proxmox VE REST API simulator")
    ap.add_argument("--state", required=True, help="state file (JSON)")
    simserver.add_listen_arguments(ap)
    simserver.add_verbose_argument(ap)
    args = simserver.parse_args(ap, argv)
    try:
        sim = Sim(load_state(args.state))
    except StateError as e:
        print(f"proxmox_sim: {e}", file=sys.stderr)
        return 2
    ctx = simserver.ssl_context(args.cert, args.key, minimum_version=ssl.TLSVersion.TLSv1_2)
    server = simserver.Server((args.bind, args.port), Handler, sim, ctx, args.verbose)
    return simserver.serve(server)


if __name__ == "__main__":
    sys.exit(main())
