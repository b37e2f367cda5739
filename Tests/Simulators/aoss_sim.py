#!/usr/bin/env python3
"""ArubaOS-Switch (AOS-S, "ProVision") REST API simulator for the PolicyOps `aoss` driver tests.

Python 3 standard library only.

    python3 aoss_sim.py --state FILE.json [--port 0] [--bind 127.0.0.1] [--cert C --key K] [--verbose]

Prints exactly one line `PORT <n>` on stdout once listening, then serves (HTTPS when --cert and
--key are given, else HTTP) until SIGTERM or SIGINT, and exits 0.

Simulated switch API (see README.md in this folder for the facts behind each answer and which
ones are not verified against real hardware):

    GET    /rest/version                          supported versions (no session needed)
    POST   /rest/{v}/login-sessions               {"userName", "password"} -> 201 + cookie
    DELETE /rest/{v}/login-sessions               logout -> 204
    GET    /rest/{v}/ports                        port_element collection (ids and names)
    GET    /rest/{v}/ports/{port_id}
    GET    /rest/{v}/poe/ports                    port_poe collection
    GET    /rest/{v}/poe/ports/stats              port_poe_stats collection
    GET    /rest/{v}/ports/{port_id}/poe
    PUT    /rest/{v}/ports/{port_id}/poe          {"port_id", "is_poe_enabled", ...} -> 200 + object
    GET    /rest/{v}/ports/{port_id}/poe/stats

{port_id} is one path segment: a "/" inside it is percent-encoded ("1%2F1", RFC 3986 section 3.3).
A raw "1/1" makes two segments and is refused with 404, as a strict server refuses it (HPE's own
sample scripts send it raw; the sim holds the driver to the RFC).

Control API (no session, no delay, not recorded):

    GET  /_sim/state            the state, plus "active_sessions"
    POST /_sim/state            replace top-level keys; "ports" as an object patches ports by id
                                ({"ports": {"1/1": {"is_poe_enabled": true, "fail_put": null}}};
                                a null value removes the key, an unknown id adds a port); "ports"
                                as a list replaces the whole list
    POST /_sim/expire-sessions  every open session expires now
    GET  /_sim/requests         JSON array of the REST requests seen (passwords redacted)
    POST /_sim/reset-requests   forget them

The HTTP server plumbing (threads, TLS, the command line's common options, the PORT line and
the exit on signals) is simserver.py's.
"""

import argparse
import copy
import json
import re
import secrets
import string
import sys
import threading
import time
from urllib.parse import unquote, urlsplit

import simserver

DEFAULT_STATE = {
    "username": "admin",
    "password": "secret",
    "api_versions": ["v3", "v4", "v5", "v6", "v7"],
    # The real default "REST Session Idle Timeout" is 600 s (`show rest-interface`).
    "session_seconds": 600,
    # Real AOS-S switches allow 5 concurrent REST sessions.
    "max_sessions": 5,
    "ports": [],
    "delay_ms": 0,
}

PRIORITIES = ("PPP_LOW", "PPP_HIGH", "PPP_CRITICAL")
ALLOCATION_METHODS = ("PPAM_USAGE", "PPAM_CLASS", "PPAM_VALUE")

# Error texts. Only "Authentication failed." (bad login) and "Error 404: Not Found." are copied
# from real switch answers; the others follow the same {"message": ...} shape (see README).
MSG_AUTH_FAILED = "Authentication failed."
MSG_NOT_FOUND = "Error 404: Not Found."
MSG_METHOD_NOT_ALLOWED = "Error 405: Method Not Allowed."
MSG_MALFORMED_JSON = "Malformed JSON input."
MSG_NO_FREE_SESSIONS = "No free REST sessions available."

SESSION_ID_ALPHABET = string.ascii_letters + string.digits
SESSION_ID_LENGTH = 63  # as in a real answer: "sessionId=T69QVPHuZ...MgQzmtXsE2qZWmMPiX"

PORT_POE_FIELDS = ("port_id", "is_poe_enabled", "poe_priority", "poe_allocation_method",
                   "allocated_power_in_watts", "port_configured_type", "pre_standard_detect_enabled")
PUT_ACCEPTED_FIELDS = set(PORT_POE_FIELDS) | {"uri"}


class StateError(Exception):
    pass


def version_key(v):
    """'v7' and 'v7.0' are the same API version; returns '7.0' or None when not a version."""
    m = re.fullmatch(r"v(\d+)(?:\.(\d+))?", v or "")
    if not m:
        return None
    return "%d.%d" % (int(m.group(1)), int(m.group(2) or 0))


def validate_state(state):
    if not isinstance(state, dict):
        raise StateError("state must be a JSON object")
    ports = state.get("ports")
    if not isinstance(ports, list):
        raise StateError("state.ports must be a list")
    seen = set()
    for p in ports:
        if not isinstance(p, dict) or not isinstance(p.get("port_id"), str) or not p["port_id"]:
            raise StateError("every port needs a non-empty string port_id: %r" % (p,))
        if p["port_id"] in seen:
            raise StateError("duplicate port_id %r" % p["port_id"])
        seen.add(p["port_id"])
    versions = state.get("api_versions")
    if not isinstance(versions, list) or not all(version_key(v) for v in versions):
        raise StateError("state.api_versions must be a list like [\"v3\", \"v7\"]")
    for key in ("session_seconds", "max_sessions", "delay_ms"):
        if not isinstance(state.get(key), (int, float)) or isinstance(state.get(key), bool):
            raise StateError("state.%s must be a number" % key)


def power_class_for(watts):
    if watts <= 0:
        return 0
    if watts <= 4.0:
        return 1
    if watts <= 7.0:
        return 2
    if watts <= 15.4:
        return 3
    return 4


class Simulator:
    """The switch: state, sessions and the request log, behind one lock."""

    def __init__(self, state):
        self.lock = threading.RLock()
        self.state = state
        self.sessions = {}  # session id -> monotonic time of last use
        self.requests = []

    # -- sessions -------------------------------------------------------------------------
    def _prune(self, now):
        limit = float(self.state["session_seconds"])
        for sid, last in list(self.sessions.items()):
            if now - last > limit:
                del self.sessions[sid]

    def login(self):
        with self.lock:
            now = time.monotonic()
            self._prune(now)
            if len(self.sessions) >= int(self.state["max_sessions"]):
                return None
            sid = "".join(secrets.choice(SESSION_ID_ALPHABET) for _ in range(SESSION_ID_LENGTH))
            self.sessions[sid] = now
            return sid

    def touch(self, sid):
        """True when sid is an open session (and marks it used)."""
        with self.lock:
            now = time.monotonic()
            self._prune(now)
            if sid is None or sid not in self.sessions:
                return False
            self.sessions[sid] = now
            return True

    def logout(self, sid):
        with self.lock:
            self._prune(time.monotonic())
            return self.sessions.pop(sid, None) is not None

    def expire_all(self):
        with self.lock:
            n = len(self.sessions)
            self.sessions.clear()
            return n

    def active_sessions(self):
        with self.lock:
            self._prune(time.monotonic())
            return len(self.sessions)

    # -- ports ----------------------------------------------------------------------------
    def find_port(self, port_id):
        for p in self.state["ports"]:
            if p["port_id"] == port_id:
                return p
        return None

    @staticmethod
    def poe_object(p):
        return {
            "uri": "/ports/%s/poe" % p["port_id"],
            "port_id": p["port_id"],
            "is_poe_enabled": bool(p.get("is_poe_enabled", True)),
            "poe_priority": p.get("poe_priority", "PPP_LOW"),
            "poe_allocation_method": p.get("poe_allocation_method", "PPAM_USAGE"),
            "allocated_power_in_watts": p.get("allocated_power_in_watts", 30),
            "port_configured_type": p.get("port_configured_type", ""),
            "pre_standard_detect_enabled": bool(p.get("pre_standard_detect_enabled", False)),
        }

    @staticmethod
    def stats_object(p):
        enabled = bool(p.get("is_poe_enabled", True))
        watts = p.get("power_watts", 0) if enabled else 0
        delivering = enabled and watts > 0
        if "poe_detection_status" in p and enabled:
            status = p["poe_detection_status"]
        else:
            status = "PPDS_DELIVERING" if delivering else ("PPDS_SEARCHING" if enabled else "PPDS_DISABLED")
        return {
            "uri": "/ports/%s/poe/stats" % p["port_id"],
            "port_id": p["port_id"],
            "port_voltage_in_volts": p.get("port_voltage_in_volts", 55) if delivering else 0,
            "power_denied_count": p.get("power_denied_count", 0),
            "over_current_count": p.get("over_current_count", 0),
            "mps_absent_count": p.get("mps_absent_count", 0),
            "short_count": p.get("short_count", 0),
            "actual_power_in_watts": watts,
            "power_class": p.get("power_class", power_class_for(watts)) if delivering else 0,
            "poe_detection_status": status,
        }

    @staticmethod
    def port_element(p):
        return {
            "uri": "/ports/%s" % p["port_id"],
            "id": p["port_id"],
            "name": p.get("name", ""),
            "is_port_enabled": bool(p.get("is_port_enabled", True)),
            "is_port_up": bool(p.get("is_port_up", True)),
            "config_mode": p.get("config_mode", "PCM_AUTO"),
            "trunk_mode": p.get("trunk_mode", "PTT_NONE"),
            "lacp_status": p.get("lacp_status", "LAS_DISABLED"),
            "trunk_group": p.get("trunk_group", ""),
            "is_flow_control_enabled": bool(p.get("is_flow_control_enabled", False)),
            "is_dsnoop_port_trusted": bool(p.get("is_dsnoop_port_trusted", False)),
        }

    def collection(self, uri, key, render):
        with self.lock:
            items = [render(p) for p in self.state["ports"]]
        return {"uri": uri,
                "collection_result": {"total_elements_count": len(items), "filtered_elements_count": len(items)},
                key: items}

    # -- control --------------------------------------------------------------------------
    def snapshot(self):
        with self.lock:
            out = copy.deepcopy(self.state)
        out["active_sessions"] = self.active_sessions()
        return out

    def patch_state(self, patch):
        with self.lock:
            new = copy.deepcopy(self.state)
            for key, value in patch.items():
                if key == "ports" and isinstance(value, dict):
                    for port_id, port_patch in value.items():
                        if not isinstance(port_patch, dict):
                            raise StateError("ports.%s must be an object" % port_id)
                        target = next((p for p in new["ports"] if p["port_id"] == port_id), None)
                        if target is None:
                            target = {"port_id": port_id}
                            new["ports"].append(target)
                        for k, v in port_patch.items():
                            if k == "port_id":
                                continue
                            if v is None:
                                target.pop(k, None)
                            else:
                                target[k] = v
                elif key == "active_sessions":
                    continue
                else:
                    new[key] = value
            validate_state(new)
            self.state = new

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.requests) + 1
            self.requests.append(entry)

    def request_log(self):
        with self.lock:
            return copy.deepcopy(self.requests)

    def reset_requests(self):
        with self.lock:
            n = len(self.requests)
            self.requests.clear()
            return n


def redact(value):
    """A copy of a JSON value with every "password"-like key's value replaced."""
    if isinstance(value, dict):
        return {k: ("<redacted>" if "password" in k.lower() else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def session_id_from(cookie_header):
    if not cookie_header:
        return None
    for part in cookie_header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip() == "sessionId":
            return value.strip()
    return None


class Handler(simserver.Handler):
    server_version = "aoss-sim"
    log_name = "aoss-sim"

    # -- plumbing -------------------------------------------------------------------------
    def send_json(self, status, obj, extra_headers=()):
        self.response_status = status
        if status == 204:
            self.send_response(status)
            for k, v in extra_headers:
                self.send_header(k, v)
            self.end_headers()
            return
        data = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, status, message):
        self.send_json(status, {"message": message})

    def dispatch(self):
        sim = self.server.app
        self.response_status = None
        raw, _ = self.read_body()
        split = urlsplit(self.path)
        if split.path.startswith("/_sim/") or split.path == "/_sim":
            try:
                self.control(sim, split.path, raw)
            except Exception as exc:  # keep the simulator alive whatever happens
                self.error(500, "simulator error: %s" % exc)
            return

        body = None
        body_ok = True
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body_ok = False
        sid = session_id_from(self.headers.get("Cookie"))
        entry = {
            "time": time.time(),
            "method": self.command,
            "path": split.path,
            "path_decoded": unquote(split.path),
            "query": split.query,
            "body": redact(body) if body_ok else None,
            "body_malformed": not body_ok,
            "content_type": self.headers.get("Content-Type"),
            "cookie_present": sid is not None,
            "session_valid": None,
            "status": None,
        }
        if not body_ok and "login-sessions" not in split.path:
            entry["body_text"] = raw.decode("utf-8", "replace")
        sim.record(entry)

        with sim.lock:
            delay = float(sim.state.get("delay_ms", 0)) / 1000.0
        if delay > 0:
            time.sleep(delay)
        try:
            self.rest(sim, split.path, body, body_ok, sid, entry)
        except Exception as exc:
            if self.server.verbose:
                import traceback
                traceback.print_exc()
            if self.response_status is None:
                self.error(500, "simulator error: %s" % exc)
        entry["status"] = self.response_status

    # -- the switch -----------------------------------------------------------------------
    def rest(self, sim, path, body, body_ok, sid, entry):
        if path in ("/rest/version", "/rest/version/"):
            if self.command != "GET":
                return self.error(405, MSG_METHOD_NOT_ALLOWED)
            with sim.lock:
                versions = []
                for v in sim.state["api_versions"]:
                    k = version_key(v)
                    if k and ("v" + k) not in versions:
                        versions.append("v" + k)
            return self.send_json(200, {
                "uri": "/version",
                "collection_result": {"total_elements_count": len(versions), "filtered_elements_count": len(versions)},
                "version_element": [{"version": v} for v in versions],
            })

        m = re.fullmatch(r"/rest/([^/]+)(/.*)?", path)
        if not m:
            return self.error(404, MSG_NOT_FOUND)
        version, raw_rest = m.group(1), m.group(2) or ""
        # Split before decoding: "%2F" inside a segment is part of an id, "/" separates.
        segments = [unquote(s) for s in raw_rest.rstrip("/").split("/")[1:]] if raw_rest.rstrip("/") else []
        rest = "/" + "/".join(segments) if all("/" not in s for s in segments) else None
        with sim.lock:
            supported = {version_key(v) for v in sim.state["api_versions"]}
        if version_key(version) is None or version_key(version) not in supported:
            return self.error(404, MSG_NOT_FOUND)

        if rest == "/login-sessions":
            if self.command == "POST":
                return self.login(sim, body, body_ok)
            if self.command == "DELETE":
                ok = sim.logout(sid) if sid else False
                entry["session_valid"] = ok
                if not ok:
                    return self.error(401, MSG_AUTH_FAILED)
                return self.send_json(204, None)
            return self.error(405, MSG_METHOD_NOT_ALLOWED)

        valid = sim.touch(sid)
        entry["session_valid"] = valid
        if not valid:
            return self.error(401, MSG_AUTH_FAILED)

        if rest == "/poe/ports":
            if self.command != "GET":
                return self.error(405, MSG_METHOD_NOT_ALLOWED)
            return self.send_json(200, sim.collection("/poe/ports", "port_poe", sim.poe_object))
        if rest == "/poe/ports/stats":
            if self.command != "GET":
                return self.error(405, MSG_METHOD_NOT_ALLOWED)
            return self.send_json(200, sim.collection("/poe/ports/stats", "port_poe_stats", sim.stats_object))
        if rest == "/ports":
            if self.command != "GET":
                return self.error(405, MSG_METHOD_NOT_ALLOWED)
            return self.send_json(200, sim.collection("/ports", "port_element", sim.port_element))
        if len(segments) >= 2 and segments[0] == "ports":
            kinds = {(): "port", ("poe",): "poe", ("poe", "stats"): "stats"}
            kind = kinds.get(tuple(segments[2:]))
            if kind is not None:
                return self.port_resource(sim, segments[1], kind, body, body_ok)
        return self.error(404, MSG_NOT_FOUND)

    def login(self, sim, body, body_ok):
        if not body_ok or not isinstance(body, dict):
            return self.error(400, MSG_MALFORMED_JSON)
        with sim.lock:
            user, password = sim.state.get("username"), sim.state.get("password")
        if body.get("userName") != user or body.get("password") != password:
            return self.error(401, MSG_AUTH_FAILED)
        sid = sim.login()
        if sid is None:
            return self.error(503, MSG_NO_FREE_SESSIONS)
        cookie = "sessionId=" + sid
        return self.send_json(201, {"payloadSize": 65536, "uri": "/login-sessions", "cookie": cookie},
                              extra_headers=[("Set-Cookie", cookie + "; path=/; HttpOnly")])

    def port_resource(self, sim, port_id, kind, body, body_ok):
        if not port_id:
            return self.error(404, MSG_NOT_FOUND)
        allowed = ("GET", "PUT") if kind == "poe" else ("GET",)
        if self.command not in allowed:
            return self.error(405, MSG_METHOD_NOT_ALLOWED)
        with sim.lock:
            port = sim.find_port(port_id)
            if port is None:
                return self.error(404, MSG_NOT_FOUND)
            if self.command == "GET":
                render = {"poe": sim.poe_object, "stats": sim.stats_object, "port": sim.port_element}[kind]
                return self.send_json(200, render(port))
            # PUT /ports/{id}/poe
            if not body_ok or not isinstance(body, dict):
                return self.error(400, MSG_MALFORMED_JSON)
            problem = self.check_poe_body(port_id, body)
            if problem:
                return self.error(400, problem)
            if port.get("fail_put"):
                return self.error(int(port.get("fail_status", 400)), str(port["fail_put"]))
            for key in PORT_POE_FIELDS:
                if key in body and key != "port_id":
                    port[key] = body[key]
            return self.send_json(200, sim.poe_object(port))

    @staticmethod
    def check_poe_body(port_id, body):
        for key in body:
            if key not in PUT_ACCEPTED_FIELDS:
                return "Unknown attribute '%s'." % key
        if "port_id" in body and body["port_id"] != port_id:
            return "Port ID in the URI and in the request body do not match."
        for key in ("is_poe_enabled", "pre_standard_detect_enabled"):
            if key in body and not isinstance(body[key], bool):
                return "Wrong type for %s" % key
        if "poe_priority" in body and body["poe_priority"] not in PRIORITIES:
            return "Invalid value for poe_priority"
        if "poe_allocation_method" in body and body["poe_allocation_method"] not in ALLOCATION_METHODS:
            return "Invalid value for poe_allocation_method"
        if "allocated_power_in_watts" in body:
            w = body["allocated_power_in_watts"]
            if isinstance(w, bool) or not isinstance(w, int):
                return "Wrong type for allocated_power_in_watts"
            if not 1 <= w <= 33:
                return "Invalid value for allocated_power_in_watts"
        if "port_configured_type" in body and not isinstance(body["port_configured_type"], str):
            return "Wrong type for port_configured_type"
        return None

    # -- control API ----------------------------------------------------------------------
    def control(self, sim, path, raw):
        route = (self.command, path.rstrip("/"))
        if route == ("GET", "/_sim/state"):
            return self.send_json(200, sim.snapshot())
        if route == ("POST", "/_sim/state"):
            try:
                patch = json.loads(raw.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError) as exc:
                return self.error(400, "control: malformed JSON: %s" % exc)
            if not isinstance(patch, dict):
                return self.error(400, "control: the body must be a JSON object")
            try:
                sim.patch_state(patch)
            except StateError as exc:
                return self.error(400, "control: %s" % exc)
            return self.send_json(200, sim.snapshot())
        if route == ("POST", "/_sim/expire-sessions"):
            return self.send_json(200, {"expired": sim.expire_all()})
        if route == ("GET", "/_sim/requests"):
            return self.send_json(200, sim.request_log())
        if route == ("POST", "/_sim/reset-requests"):
            return self.send_json(200, {"cleared": sim.reset_requests()})
        return self.error(404, "control: no such endpoint %s %s" % route)


def load_state(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            loaded = json.load(f)
    except (OSError, ValueError) as exc:
        raise StateError("cannot read %s: %s" % (path, exc))
    if not isinstance(loaded, dict):
        raise StateError("%s: the state must be a JSON object" % path)
    state = copy.deepcopy(DEFAULT_STATE)
    state.update(loaded)
    validate_state(state)
    return state


def main(argv=None):
    ap = argparse.ArgumentParser(description="ArubaOS-Switch REST API simulator")
    ap.add_argument("--state", required=True, help="JSON state file")
    simserver.add_listen_arguments(ap)
    simserver.add_verbose_argument(ap)
    args = simserver.parse_args(ap, argv)
    try:
        state = load_state(args.state)
    except StateError as exc:
        sys.stderr.write("aoss-sim: %s\n" % exc)
        return 2
    context = simserver.ssl_context(args.cert, args.key)
    server = simserver.Server((args.bind, args.port), Handler, Simulator(state), context, args.verbose)
    return simserver.serve(server)


if __name__ == "__main__":
    sys.exit(main())
