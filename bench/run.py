#!/usr/bin/env python3
"""PolicyOps benchmarks: each compares against a floor or a peer measured in the same run,
because these machines are noisy; results are ratios as much as seconds.

    bench/run.py [--n 10000] [--runs 5] [--only NAME,...] [--no-write] [--binary PATH]

Builds release binaries, generates corpora with bench/gen_corpus.py (or
$POLICYOPS_GEN_CORPUS), runs the benchmarks and rewrites their sections of BENCHMARKS.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.environ.get("POLICYOPS_GEN_CORPUS", os.path.join(ROOT, "bench", "gen_corpus.py"))
BIN = os.path.join(ROOT, ".build", "release", "policyops")
BENCH_BIN = os.path.join(ROOT, ".build", "release", "policyops-bench")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, **kw)


def timed(cmd, runs, cwd=None, stdin_path=None, expect=(0,), env=None):
    """Median and all wall times of `runs` runs of a command (stdout discarded)."""
    times = []
    for _ in range(runs):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        start = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, shell=isinstance(cmd, str), env=env)
        times.append(time.perf_counter() - start)
        if stdin_path:
            stdin.close()
        if p.returncode not in expect:
            raise SystemExit("%s exited %d: %s" % (cmd, p.returncode, p.stderr.decode()[-2000:]))
    return statistics.median(times), times


def interleaved(commands, runs, **kw):
    """Runs several commands in turn, `runs` rounds, so drift hits all alike."""
    results = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, opts) in commands.items():
            results[name].append(timed(cmd, 1, **opts)[0])
    return {name: statistics.median(v) for name, v in results.items()}


def corpus(n, parent):
    out = os.path.join(parent, "corpus-%d" % n)
    if not os.path.isdir(out):
        sh([sys.executable, GEN, str(n), out, "--git"], stderr=subprocess.DEVNULL)
    return out


def ms(s):
    return "%.1f ms" % (s * 1000)


# --- issue 2: the policy core ------------------------------------------------------------

def bench_core(args, work):
    rows = []
    repo = corpus(args.n, work)
    # Floor: git itself reading the same blobs (the list is made beforehand).
    listing = os.path.join(work, "blobs-%d.txt" % args.n)
    with open(listing, "w") as f:
        out = subprocess.run(["git", "ls-tree", "-r", "HEAD", "policies", "hosts"], cwd=repo, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f.write(line.split()[2] + "\n")
    medians = interleaved({
        "ours": ([BIN, "validate", "--rev", "HEAD", "--format", "json"], {"cwd": repo}),
        "floor": (["git", "cat-file", "--batch"], {"cwd": repo, "stdin_path": listing}),
    }, args.runs)
    ratio = medians["ours"] / medians["floor"]
    rows.append(("`validate --rev HEAD`, %d policies" % args.n, ms(medians["ours"]),
                 "`git cat-file --batch` of the same blobs: " + ms(medians["floor"]), "%.2f×" % ratio, "≤ 3×",
                 "met" if ratio <= 3 else "NOT met"))
    wt = interleaved({
        "ours": ([BIN, "validate", "--format", "json"], {"cwd": repo}),
        "floor": ("cat $(find policies hosts -name '*.json') > /dev/null", {"cwd": repo}),
    }, args.runs)
    rows.append(("`validate` (working tree), %d policies" % args.n, ms(wt["ours"]),
                 "`cat` of the same files: " + ms(wt["floor"]), "%.2f×" % (wt["ours"] / wt["floor"]), "—", ""))
    state = os.path.join(work, "state")
    compile_times = []
    for _ in range(max(3, args.runs // 2)):
        shutil.rmtree(state, ignore_errors=True)
        compile_times.append(timed([BIN, "compile", "--rev", "HEAD", "--state", state], 1, cwd=repo)[0])
    copy = os.path.join(work, "ir-copy")
    copy_times = []
    for _ in range(max(3, args.runs // 2)):
        shutil.rmtree(copy, ignore_errors=True)
        copy_times.append(timed("cp -r %s %s && sync" % (os.path.join(state, "ir"), copy), 1)[0])
    first = statistics.median(compile_times)
    rows.append(("`compile` into an empty state directory (%d IR objects written durably)" % args.n, ms(first),
                 "`cp -r` of the written objects + `sync`: " + ms(statistics.median(copy_times)),
                 "%.2f×" % (first / statistics.median(copy_times)), "—", ""))
    again = interleaved({
        "ours": ([BIN, "compile", "--rev", "HEAD", "--state", state], {"cwd": repo}),
        "floor": ([BIN, "validate", "--rev", "HEAD"], {"cwd": repo}),
    }, args.runs)
    rows.append(("`compile` of a commit already compiled (nothing new to write)", ms(again["ours"]),
                 "`validate --rev HEAD` of it: " + ms(again["floor"]), "%.2f×" % (again["ours"] / again["floor"]), "—", ""))
    spec = os.path.join(ROOT, "example-repo", "policies", "power", "shed-app-tier-under-load.json")
    micro = json.loads(subprocess.run([BENCH_BIN, "compile-spec", spec, "5000"], capture_output=True, text=True, check=True).stdout)
    rows.append(("compile one typical spec (read, validate, normalize, hash, IR), median of 5,000",
                 "%.1f µs (p90 %.1f µs)" % (micro["median_ns"] / 1000, micro["p90_ns"] / 1000),
                 "reading the same %d bytes as JSON only: %.1f µs" % (micro["bytes"], micro["floor_median_ns"] / 1000),
                 "%.1f×" % micro["ratio"], "< 1 ms", "met" if micro["median_ns"] < 1_000_000 else "NOT met"))
    # Hostile input: a 1 MB line of 250,000 comments (each a finding) beside a valid
    # policy of the same size, in the same repository layout.
    hostile = os.path.join(work, "hostile")
    shutil.rmtree(hostile, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "example-repo", "hosts"), os.path.join(hostile, "bad", "hosts"))
    shutil.copytree(os.path.join(ROOT, "example-repo", "hosts"), os.path.join(hostile, "good", "hosts"))
    os.makedirs(os.path.join(hostile, "bad", "policies"))
    os.makedirs(os.path.join(hostile, "good", "policies"))
    with open(os.path.join(hostile, "bad", "policies", "p.json"), "w") as f:
        f.write("[" + "/**/" * 250000 + "1]")
    base = json.load(open(os.path.join(ROOT, "example-repo", "policies", "power", "start-web-tier-on-mains.json")))
    base["notes"] = "x" * 1_000_000
    with open(os.path.join(hostile, "good", "policies", "p.json"), "w") as f:
        json.dump(base, f)
    h = interleaved({
        "bad": ([BIN, "validate", "--repo", os.path.join(hostile, "bad")], {"expect": (1,)}),
        "good": ([BIN, "validate", "--repo", os.path.join(hostile, "good")], {}),
    }, args.runs)
    rows.append(("`validate` of a 1 MB line of 250,000 comments (250,000 findings, 101 reported)", ms(h["bad"]),
                 "a valid policy of the same size: " + ms(h["good"]), "%.2f×" % (h["bad"] / h["good"]), "linear", ""))
    if shutil.which("check-jsonschema"):
        schema = os.path.join(work, "policy.schema.json")
        with open(schema, "w") as f:
            subprocess.run([BIN, "schema"], stdout=f, check=True)
        files = os.path.join(work, "files.txt")
        peer_cmd = "find policies -name '*.json' -print0 | xargs -0 check-jsonschema --schemafile %s" % schema
        peer, _ = timed(peer_cmd, 1, cwd=repo)
        ours, _ = timed([BIN, "validate", "--format", "json"], 3, cwd=repo)
        rows.append(("the same %d files against the `schema` output" % args.n, ms(ours) + " (`validate`, working tree)",
                     "check-jsonschema %s: %s" % (subprocess.run(["check-jsonschema", "--version"], capture_output=True, text=True).stdout.split()[-1], ms(peer)),
                     "%.3f×" % (ours / peer), "peer", "%.0f× faster" % (peer / ours)))
    else:
        rows.append(("the same files against the `schema` output", "—", "check-jsonschema not installed (pip install check-jsonschema)", "—", "peer", "skipped"))
    return table(rows)


def table(rows):
    out = ["| measurement | PolicyOps | floor or peer, same run | ratio | goal | |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out) + "\n"


# --- issue 3: the pre-receive hook ------------------------------------------------------

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="bench@localhost", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")


def git(cwd, *a):
    subprocess.run(["git", *a], cwd=cwd, check=True, env=GIT_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bare(path, hook):
    shutil.rmtree(path, ignore_errors=True)
    git(os.path.dirname(path), "init", "-q", "--bare", "-b", "main", path)
    if hook:
        subprocess.run([BIN, "hook", "install", "--git-dir", path], check=True, stdout=subprocess.DEVNULL)


def bench_hooks(args, work):
    rows = []
    repo = corpus(args.n, work)
    clone = os.path.join(work, "hook-clone")
    shutil.rmtree(clone, ignore_errors=True)
    git(work, "clone", "-q", repo, clone)
    # A push that brings N new policies, into an empty repository (the hook's cache is empty).
    times = {"hook": [], "none": []}
    for r in range(args.runs):
        for kind in ("none", "hook"):
            target = os.path.join(work, "bare-%s" % kind)
            bare(target, kind == "hook")
            times[kind].append(timed(["git", "push", "-q", target, "main"], 1, cwd=clone, env=GIT_ENV)[0])
    hook, none = statistics.median(times["hook"]), statistics.median(times["none"])
    rows.append(("`git push` introducing %d policies (one commit), hook installed" % args.n, ms(hook),
                 "the same push without the hook: " + ms(none), "hook: %s" % ms(hook - none), "hook < 1 s",
                 "met" if hook - none < 1 else "NOT met"))
    # A 1-file push into that repository (the hook's cache is warm from the first push).
    for kind in ("none", "hook"):
        target = os.path.join(work, "bare-%s" % kind)
        bare(target, kind == "hook")
        subprocess.run(["git", "push", "-q", target, "main"], cwd=clone, check=True, env=GIT_ENV, stderr=subprocess.DEVNULL)
    times = {"hook": [], "none": []}
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(clone, "policies")) for f in fs)
    for r in range(max(args.runs, 7)):
        path = files[r]
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('"version": 1', '"version": 1, "notes": "edited %d"' % r, 1) if '"notes"' not in text else text.replace('"notes": "', '"notes": "edited %d: ' % r, 1))
        git(clone, "commit", "-q", "-am", "edit %d" % r)
        for kind in ("none", "hook"):
            times[kind].append(timed(["git", "push", "-q", os.path.join(work, "bare-%s" % kind), "main"], 1, cwd=clone, env=GIT_ENV)[0])
    hook, none = statistics.median(times["hook"]), statistics.median(times["none"])
    rows.append(("`git push` of a 1-file commit into the %d-policy repository, hook installed" % args.n, ms(hook),
                 "the same push without the hook: " + ms(none), "hook: %s" % ms(hook - none), "hook < 100 ms",
                 "met" if hook - none < 0.1 else "NOT met"))
    return table(rows)


# --- issue 4: the reconciler and the engine ---------------------------------------------

def max_rss_mb(cmd, cwd=None):
    """Peak resident memory of a command, from the kernel's accounting of the child."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        raise SystemExit("%s exited %d: %s" % (cmd, p.returncode, p.stderr.read().decode()[-2000:]))
    return usage.ru_maxrss / 1024


def applied_lines(log):
    out = []
    with open(log) as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "applied":
                out.append(entry)
    return out


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.002)
    raise SystemExit("timed out waiting for " + what)


def bench_engine(args, work):
    rows = []
    repo = corpus(args.n, work)
    # Apply latency: the reconciler runs on a clone; each round commits one edited policy,
    # nudges the reconciler (SIGHUP, as the post-receive hook's FIFO does), and reads how
    # long the pass took from detection to applied in its own log.
    clone = os.path.join(work, "apply-clone")
    state = os.path.join(work, "apply-state")
    shutil.rmtree(clone, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    git(work, "clone", "-q", repo, clone)
    log = os.path.join(work, "apply.log")
    with open(log, "w") as out:
        rec = subprocess.Popen([BIN, "reconcile", "--repo", clone, "--state", state, "--log-format", "json", "--interval", "3600"],
                               stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: applied_lines(log), 600, "the first apply")
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(clone, "policies")) for f in fs)
        internal, external, commits = [], [], []
        for r in range(max(args.runs * 3, 15)):
            path = files[(r * 7919) % len(files)]
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(re.sub(r'"name": "([^"]+)"', lambda m: '"name": "%s-e%d"' % (m.group(1), r), text, count=1))
            start = time.perf_counter()
            git(clone, "commit", "-q", "-am", "edit %d" % r)
            commits.append(time.perf_counter() - start)
            before = len(applied_lines(log))
            start = time.perf_counter()
            rec.send_signal(signal.SIGHUP)
            line = wait_for(lambda: applied_lines(log)[before:], 30, "apply %d" % r)[0]
            external.append(time.perf_counter() - start)
            internal.append(float(line["seconds"]))
            time.sleep(0.2)
    finally:
        rec.terminate()
        rec.wait()
    ours, peer = statistics.median(internal), statistics.median(commits)
    rows.append(("apply a 1-file commit into %d policies: detected → applied (compile, manifest, IR, dry-run, ledger), median of %d"
                 % (args.n, len(internal)), ms(ours) + " (best %s; nudge to applied %s)" % (ms(min(internal)), ms(statistics.median(external))),
                 "`git commit` of that file: " + ms(peer), "%.2f×" % (ours / peer), "< 50 ms", "met" if ours < 0.05 else "NOT met"))
    # Decisions per second: the engine in memory, every host a simulated host.
    # Five runs: this machine's noise only ever slows a run down, so the best is shown
    # beside the median, and the goal is judged on the median.
    runs = sorted((json.loads(subprocess.run([BENCH_BIN, "engine-throughput", repo, "60"], capture_output=True, text=True, check=True).stdout)
                   for _ in range(5)), key=lambda r: r["decisions_per_second"])
    e = runs[len(runs) // 2]
    rows.append(("engine decisions per second, %d policies, sim driver in memory (%d events fired %d decisions, %d target outcomes), median of 5"
                 % (e["policies"], e["events"], e["decisions"], e["target_results"]),
                 "{:,}/s (best {:,}/s)".format(e["decisions_per_second"], runs[-1]["decisions_per_second"]),
                 "writing the same records as canonical JSON (what the ledger must do): {:,}/s".format(
                     int(e["decisions"] / max(e["serialize_seconds"], 1e-9))),
                 "%.2f×" % e["decide_to_serialize"], "≥ 50,000/s", "met" if e["decisions_per_second"] >= 50000 else "NOT met"))
    rows.append(("the same, deciding and writing the records", "{:,}/s".format(e["decisions_per_second_with_records"]), "—", "—", "—", ""))
    # Durable ledger appends beside the disk's raw fsync rate.
    l = json.loads(subprocess.run([BENCH_BIN, "ledger-appends", os.path.join(work, "ledger-bench"), "4000", "16"],
                                  capture_output=True, text=True, check=True).stdout)
    rows.append(("durable ledger appends, 16 writers (group commit: %d syncs for %d records)" % (l["syncs"], l["records"]),
                 "{:,}/s (one writer: {:,}/s)".format(l["appends_per_second"], l["serial_appends_per_second"]),
                 "this disk's raw write + fdatasync: {:,}/s".format(l["raw_fsyncs_per_second"]), "%.2f×" % l["ratio"], "beside fsync", ""))
    # Resident memory: one reconcile pass over the corpus (compile, IR, apply, dry-runs).
    shutil.rmtree(state, ignore_errors=True)
    rss = max_rss_mb([BIN, "reconcile", "--repo", repo, "--state", state, "--once"])
    peer_rss = max_rss_mb([BIN, "validate", "--rev", "HEAD"], cwd=repo)
    rows.append(("peak resident memory of `reconcile --once` on %d policies (first apply)" % args.n, "%.0f MB" % rss,
                 "`validate --rev HEAD` of them: %.0f MB" % peer_rss, "%.2f×" % (rss / peer_rss), "< 150 MB", "met" if rss < 150 else "NOT met"))
    phases = json.loads(subprocess.run([BENCH_BIN, "compile-phases", clone, "40"], capture_output=True, text=True, check=True).stdout)
    detail = ", ".join("%s %.1f ms" % (k, v["median"]) for k, v in sorted(phases.items()))
    notes = """
How these are measured. *Apply*: a reconciler runs on a clone of the corpus; each round
commits one edited policy and sends SIGHUP (what the post-receive hook's nudge does); the
figure is the reconciler's own measure, from the poll that sees the new tip to the `applied`
log line (compiled, manifest and IR stored, dry-run and commit records durable, `applied`
written). *Decisions*: every host of the corpus becomes a simulated host in memory holding
the targets its policies name; a scripted outage (on battery, readings, low battery,
readings back, on mains) plays 60 events three simulated hours apart, so every window
passes and the timers of the corpus fire between them (most decisions come from
`timer.at` and `timer.after`); a decision is one policy's record for one event, with one
outcome per target. The figure is the engine alone; the floor beside it is writing the
same records as the ledger writes them. This machine's speed drifts by a fifth from
minute to minute; the best run is shown beside the median.
"""
    return table(rows) + "\nWhere a 1-file commit's compile goes (medians of 40, in process): %s.\n" % detail + notes


# --- issue 5: the real drivers -------------------------------------------------------------

def bench_drivers(args, work):
    """A dry-run of one policy over 1,000 VMs through the Proxmox simulator, beside the refresh
    SLA (5 s) and beside the bare HTTP requests it needs, made by curl in the same run."""
    sims = os.path.join(ROOT, "Tests", "Simulators")
    tls = os.path.join(work, "pve-tls")
    pin = subprocess.run(["bash", os.path.join(sims, "make_cert.sh"), tls], capture_output=True, text=True, check=True).stdout.strip()
    token_id, secret, vms = "policyops@pve!bench", "7d1c5e9a-3b2f-4c8d-a6e1-0f9b8c7d6e5a", 1000
    state = {"nodes": [{"node": "pve-1", "online": True}],
             "tokens": {token_id: {"secret": secret, "privileges": {"/vms": ["VM.Audit", "VM.PowerMgmt"]}}},
             "guests": [{"node": "pve-1", "type": "qemu", "vmid": 1000 + i, "name": "vm-%d" % i, "status": "running",
                         "tags": "bench;tier%d" % (i % 4)} for i in range(vms)]}
    state_file = os.path.join(work, "pve-bench.json")
    with open(state_file, "w") as f:
        json.dump(state, f)
    sim = subprocess.Popen([sys.executable, os.path.join(sims, "proxmox_sim.py"), "--state", state_file, "--port", "0",
                            "--cert", os.path.join(tls, "cert.pem"), "--key", os.path.join(tls, "key.pem")],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(sim.stdout.readline().split()[1])
        url = "https://127.0.0.1:%d" % port
        repo = os.path.join(work, "pve-repo")
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(os.path.join(repo, "hosts"))
        os.makedirs(os.path.join(repo, "policies"))
        host_id = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
        with open(os.path.join(repo, "hosts", "pve-1.json"), "w") as f:
            json.dump({"id": host_id, "name": "pve-1", "driver": "proxmox",
                       "connection": {"url": url, "node": "pve-1", "token_id": token_id, "token_secret": {"secret": "pve-token"},
                                      "tls": {"fingerprint_sha256": pin}}}, f, indent=2)
        with open(os.path.join(repo, "policies", "shutdown-all.json"), "w") as f:
            json.dump({"version": 1, "name": "shutdown-all-on-battery",
                       "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
                       "targets": {"host_id": host_id, "target_type": "vm", "selector": {"mode": "list", "value": "1000-%d" % (1000 + vms - 1)}},
                       "actions": [{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 120}}]}, f, indent=2)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "1,000 VMs")
        env = dict(os.environ, PVE_TOKEN=secret)
        # The operator grants the token to pve-1 and lets drivers reach the simulator on loopback.
        config = os.path.join(work, "config.json")
        with open(config, "w") as f:
            json.dump({"secrets": {"pve-token": {"env": "PVE_TOKEN", "hosts": [host_id], "fields": ["token_secret"]}},
                       "network": {"allow_loopback": True}}, f)
        plan = [BIN, "plan", "--repo", repo, "--format", "json", "--config", config]
        check = json.loads(subprocess.run(plan, capture_output=True, text=True, env=env, check=True).stdout)
        dry = check["policies"][0]["actions"][0]["dry_run"]
        if not dry["ok"] or len(dry["effects"]["per_target"]) != vms:
            raise SystemExit("the dry-run did not cover %d VMs: %s" % (vms, json.dumps(dry)[:2000]))
        # The floor: the three requests the dry-run needs (VMs, containers, the token's
        # privileges), made by curl over one connection with the same TLS.
        auth = "Authorization: PVEAPIToken=%s=%s" % (token_id, secret)
        floor = ["curl", "-sf", "-o", "/dev/null", "--cacert", os.path.join(tls, "cert.pem"), "-H", auth,
                 url + "/api2/json/nodes/pve-1/qemu", "-o", "/dev/null", url + "/api2/json/nodes/pve-1/lxc",
                 "-o", "/dev/null", url + "/api2/json/access/permissions"]
        # The peer without HTTP: the same plan against a simulated host declaring the same VMs.
        local = os.path.join(work, "sim-repo")
        shutil.rmtree(local, ignore_errors=True)
        shutil.copytree(repo, local, ignore=shutil.ignore_patterns(".git"))
        with open(os.path.join(local, "hosts", "pve-1.json"), "w") as f:
            json.dump({"id": host_id, "name": "pve-1", "driver": "sim",
                       "connection": {"targets": [{"id": "vm:%d" % g["vmid"], "name": g["name"], "state": "running"} for g in state["guests"]]}}, f)
        with open(os.path.join(local, "policies", "shutdown-all.json")) as f:
            text = f.read().replace("proxmox.vm", "sim.vm")
        with open(os.path.join(local, "policies", "shutdown-all.json"), "w") as f:
            f.write(text)
        git(local, "init", "-q")
        git(local, "add", "-A")
        git(local, "commit", "-qm", "1,000 simulated VMs")
        simulated = [BIN, "plan", "--repo", local, "--format", "json"]
        medians = interleaved({"plan": (plan, {"env": env}), "curl": (floor, {}), "sim": (simulated, {})}, args.runs)
        ours, peer = medians["plan"], medians["curl"]
        rows = [("`policyops plan` of one policy over {:,} VMs through the Proxmox simulator (fast refresh, privileges, {:,} effects), whole process".format(vms, vms),
                 ms(ours), "curl of the same 3 API requests: " + ms(peer), "%.2f×" % (ours / peer), "< 5 s refresh SLA",
                 "met (%.1f%% of the SLA)" % (ours / 5 * 100) if ours < 5 else "NOT met"),
                ("the same plan on a simulated host declaring the same VMs (no HTTP)", ms(medians["sim"]), "the Proxmox plan: " + ms(ours),
                 "%.2f×" % (medians["sim"] / ours), "—", "")]
        # A node slower than the SLA: the plan gives up at the SLA and says why.
        sh(["curl", "-sf", "-o", "/dev/null", "--cacert", os.path.join(tls, "cert.pem"), "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", '{"delay_ms": 8000}', url + "/_sim/state"])
        slow, _ = timed(plan, 1, env=env, expect=(3,))
        rows.append(("the same plan when the node answers after 8 s", ms(slow), "the SLA: 5,000 ms", "%.2f×" % (slow / 5), "≤ SLA + 1 s",
                     "met" if slow <= 6 else "NOT met"))
    finally:
        sim.terminate()
        sim.wait()
    notes = """
How this is measured. A Proxmox VE simulator (`Tests/Simulators/proxmox_sim.py`, Python's
standard library, HTTPS with a certificate the host pins) holds one node with %d running VMs.
The repository declares that node and one policy that shuts them all down. The figure is the
wall time of the whole `policyops plan` process: open the repository, compile, resolve the
secret, list VMs and containers at once over pinned TLS, read the token's privileges, and
write the dry-run of %d targets as JSON. The floor beside it is curl making the same three
requests over one connection; the simulated host beside it is the same plan without HTTP.
PolicyOps asks for the two lists at once, on two connections, then for the privileges on
one of them, kept open; curl asks for the three in turn on one connection. Not loading the
system's CA store for pinned hosts, which the pin makes useless, took the plan from 165 ms
to 130 ms.
""" % (vms, vms)
    return table(rows) + notes


# --- issue 10: an idle reconciler -----------------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of a process so far, from /proc/PID/stat (fields 14 and 15, in ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nut_rig(work, status="OL"):
    """dummy-ups simulating one UPS from a file and upsd serving it on a free loopback port,
    as Tests/TestSupport/NUTRig.swift starts them; returns (port, env, processes)."""
    import pwd
    import socket
    rig = os.path.join(work, "nut")
    shutil.rmtree(rig, ignore_errors=True)
    for folder in ("etc", "run"):
        os.makedirs(os.path.join(rig, folder), mode=0o700)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    files = {"ups.conf": "[ups]\n  driver = dummy-ups\n  port = %s\n  mode = dummy-once\n  pollinterval = 1\n" % os.path.join(rig, "ups.dev"),
             "upsd.conf": "LISTEN 127.0.0.1 %d\nMAXAGE 6\n" % port, "upsd.users": "", "nut.conf": "MODE=standalone\n"}
    for name, text in files.items():
        with open(os.path.join(rig, "etc", name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(rig, "etc", name), 0o600)
    with open(os.path.join(rig, "ups.dev"), "w") as f:
        f.write("ups.status: %s\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 25\ninput.voltage: 230\n" % status)
    env = dict(os.environ, NUT_CONFPATH=os.path.join(rig, "etc"), NUT_STATEPATH=os.path.join(rig, "run"))
    user = pwd.getpwuid(os.getuid()).pw_name
    driver = subprocess.Popen(["/lib/nut/dummy-ups", "-a", "ups", "-F", "-u", user], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(os.path.join(rig, "run", "dummy-ups-ups")), 15, "dummy-ups")
    server = subprocess.Popen(["/lib/nut/upsd", "-F", "-u", user], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def serves():
        r = subprocess.run(["upsc", "ups@127.0.0.1:%d" % port, "ups.status"], env=env, capture_output=True, text=True)
        return r.returncode == 0 and r.stdout.strip() not in ("", "WAIT")
    wait_for(serves, 15, "upsd")
    return port, env, [server, driver]


def bench_idle(args, work):
    """CPU of a reconciler that has nothing to do, over 60 s, beside `sleep 60` in the same
    window: example-repo with --no-nut, and example-repo with its UPS polled every 2 s
    through a real upsd and dummy-ups (upsd's own CPU shown as the peer)."""
    rows = []
    seconds = float(os.environ.get("POLICYOPS_IDLE_SECONDS", "60"))
    if not (os.path.exists("/lib/nut/upsd") and os.path.exists("/lib/nut/dummy-ups")):
        raise SystemExit("bench idle needs NUT's upsd and dummy-ups (apt-get install nut-server)")
    port, nut_env, nut = nut_rig(work)
    procs, logs = {}, []
    try:
        for kind in ("no-nut", "ups"):
            repo = os.path.join(work, "idle-repo-" + kind)
            shutil.rmtree(repo, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, "example-repo"), repo)
            ups = os.path.join(repo, "ups", "ups-main.json")
            decl = json.load(open(ups))
            decl["nut"]["port"] = port
            with open(ups, "w") as f:
                json.dump(decl, f, indent=2)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "example")
            state = os.path.join(work, "idle-state-" + kind)
            shutil.rmtree(state, ignore_errors=True)
            log = os.path.join(work, "idle-%s.log" % kind)
            logs.append(log)
            cmd = [BIN, "reconcile", "--repo", repo, "--state", state, "--log-format", "json"] + (["--no-nut"] if kind == "no-nut" else [])
            with open(log, "w") as out:
                procs[kind] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        for log in logs:
            wait_for(lambda: applied_lines(log), 120, "the first apply (%s)" % log)
        # Settle: the first discovery, inventories and the UPS's baseline reading.
        time.sleep(5)
        floor = subprocess.Popen(["sleep", str(seconds + 5)])
        pids = {name: p.pid for name, p in procs.items()}
        pids["sleep"] = floor.pid
        pids["upsd"] = nut[0].pid
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        start = time.perf_counter()
        time.sleep(seconds)
        elapsed = time.perf_counter() - start
        used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        floor.kill()
        floor.wait()
    finally:
        for p in procs.values():
            p.terminate()
            p.wait()
        for p in nut:
            p.terminate()
            p.wait()

    def pct(s):
        return 100 * s / elapsed
    floor_text = "`sleep %d` in the same window: %.2f s (%.3f %%)" % (seconds, used["sleep"], pct(used["sleep"]))
    rows.append(("idle reconciler, example-repo, `--no-nut`, CPU over %.0f s (utime + stime)" % elapsed,
                 "%.2f s (%.3f %% of a core)" % (used["no-nut"], pct(used["no-nut"])), floor_text,
                 "+%.3f %%" % (pct(used["no-nut"]) - pct(used["sleep"])), "≤ 0.1 %", "met" if pct(used["no-nut"]) <= 0.1 else "NOT met"))
    rows.append(("idle reconciler, example-repo, one UPS polled every 2 s through upsd + dummy-ups, CPU over %.0f s" % elapsed,
                 "%.2f s (%.3f %% of a core)" % (used["ups"], pct(used["ups"])),
                 floor_text + "; upsd serving the polls: %.2f s (%.3f %%)" % (used["upsd"], pct(used["upsd"])),
                 "+%.3f %%" % (pct(used["ups"]) - pct(used["sleep"])), "≤ 0.3 %", "met" if pct(used["ups"]) <= 0.3 else "NOT met"))
    notes = """
How these are measured. Two reconcilers run on copies of example-repo (a git repository
made at run time), each with a fresh state directory and the default `--interval` (2 s); one
with `--no-nut`, one watching the repository's UPS, which a real upsd serves from dummy-ups
on loopback (its `poll` is 2 s). Once both have applied the commit and settled for 5 s,
their CPU (utime + stime from /proc/PID/stat, in clock ticks of 10 ms) is read at the start
and the end of the same window, with a `sleep` process as the floor. The clock tick bounds
the resolution: 0.01 s over 60 s is 0.017 %.
"""
    return table(rows) + notes


# --- issue 10: state that grows with the change ---------------------------------------------

def tree_bytes(path, skip=()):
    """Apparent size of the regular files under `path` (bytes), leaving out folders named in `skip`."""
    total = 0
    for dp, dns, fns in os.walk(path):
        dns[:] = [d for d in dns if d not in skip]
        for f in fns:
            try:
                st = os.lstat(os.path.join(dp, f))
            except OSError:
                continue
            total += st.st_size
    return total


def vm_hwm_mb(pid):
    """Peak resident memory of a running process so far, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def kb(b):
    return "%.1f KB" % (b / 1024)


def bench_state(args, work):
    rows = []
    repo = corpus(args.n, work)
    clone = os.path.join(work, "state-clone")
    state = os.path.join(work, "state-state")
    shutil.rmtree(clone, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    git(work, "clone", "-q", repo, clone)
    log = os.path.join(work, "state.log")
    cmd = [BIN, "reconcile", "--repo", clone, "--state", state, "--log-format", "json", "--interval", "3600", "--no-nut"]
    with open(log, "w") as out:
        rec = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    growth, without_ledger, ledger, git_growth = [], [], [], []
    try:
        wait_for(lambda: applied_lines(log), 900, "the first apply")
        time.sleep(1)
        first_rss = vm_hwm_mb(rec.pid)
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(clone, "policies")) for f in fs)
        for r in range(max(args.runs * 2, 9)):
            path = files[(r * 7919) % len(files)]
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(re.sub(r'"name": "([^"]+)"', lambda m: '"name": "%s-g%d"' % (m.group(1), r), text, count=1))
            before, before_ledger = tree_bytes(state), tree_bytes(os.path.join(state, "ledger"))
            git_before = tree_bytes(os.path.join(clone, ".git", "objects"))
            git(clone, "commit", "-q", "-am", "grow %d" % r)
            git_growth.append(tree_bytes(os.path.join(clone, ".git", "objects")) - git_before)
            count = len(applied_lines(log))
            rec.send_signal(signal.SIGHUP)
            wait_for(lambda: applied_lines(log)[count:], 60, "apply %d" % r)
            time.sleep(0.5)  # status.json and metrics written after the applied line
            after, after_ledger = tree_bytes(state), tree_bytes(os.path.join(state, "ledger"))
            growth.append(after - before)
            ledger.append(after_ledger - before_ledger)
            without_ledger.append((after - after_ledger) - (before - before_ledger))
        running_rss = vm_hwm_mb(rec.pid)
    finally:
        rec.terminate()
        rec.wait()
    status_size = os.path.getsize(os.path.join(state, "status.json"))
    with open(os.path.join(state, "status.json")) as f:
        counts = json.load(f).get("counts") or {}
    inactive = sum(v for k, v in counts.items() if k != "active") if counts else None
    # A restart on the same commit: what the reconciler records again on start.
    before = tree_bytes(state)
    before_ledger = tree_bytes(os.path.join(state, "ledger"))
    with open(log, "a") as out:
        rec = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        start = time.time()
        wait_for(lambda: os.path.exists(os.path.join(state, "status.json")) and os.path.getmtime(os.path.join(state, "status.json")) > start, 900, "the restart")
        time.sleep(2)
    finally:
        rec.terminate()
        rec.wait()
    restart, restart_ledger = tree_bytes(state) - before, tree_bytes(os.path.join(state, "ledger")) - before_ledger
    g, gl, l, gg = statistics.median(growth), statistics.median(without_ledger), statistics.median(ledger), statistics.median(git_growth)
    rows.append(("state directory growth of a 1-file commit into %d policies applied by a running reconciler, ledger included, median of %d"
                 % (args.n, len(growth)), kb(g) + " (max %s)" % kb(max(growth)), "git's own objects for that commit: " + kb(gg),
                 "%.1f×" % (g / max(gg, 1)), "≤ 64 KB", "met" if g <= 64 * 1024 else "NOT met"))
    rows.append(("the same without the ledger (manifest, chunks, IR, status, metrics)", kb(gl) + " (max %s)" % kb(max(without_ledger)),
                 "git's own objects: " + kb(gg), "%.1f×" % (gl / max(gg, 1)), "—", ""))
    rows.append(("the same, the ledger alone (commit and dry-run records)", kb(l), "—", "—", "—", ""))
    rows.append(("a restart on the same commit (dry-runs recorded again on start), ledger included", kb(restart),
                 "ledger alone: " + kb(restart_ledger), "—", "—", ""))
    rows.append(("`status.json` with %d policies%s" % (args.n, "" if inactive is None else ", %d of them not active (each listed with its reason)" % inactive),
                 kb(status_size), "—", "—", "small", ""))
    # Resident memory: the running reconciler holding the corpus, and one pass.
    peer_rss = max_rss_mb([BIN, "validate", "--rev", "HEAD"], cwd=repo)
    rows.append(("peak resident memory of a running reconciler holding %d policies (first apply, then %d 1-file commits)" % (args.n, len(growth)),
                 "%.0f MB (after the first apply: %.0f MB)" % (running_rss, first_rss), "`validate --rev HEAD` of them: %.0f MB" % peer_rss,
                 "%.2f×" % (running_rss / peer_rss), "< 80 MB", "met" if running_rss < 80 else "NOT met"))
    once_state = os.path.join(work, "state-once")
    shutil.rmtree(once_state, ignore_errors=True)
    rss = max_rss_mb([BIN, "reconcile", "--repo", repo, "--state", once_state, "--once", "--no-nut"])
    rows.append(("peak resident memory of `reconcile --once` on %d policies (first apply)" % args.n, "%.0f MB" % rss,
                 "`validate --rev HEAD` of them: %.0f MB" % peer_rss, "%.2f×" % (rss / peer_rss), "—", ""))
    notes = """
How these are measured. A reconciler runs on a clone of the corpus (`--interval 3600`, no
UPS); each round commits one edited policy, sends SIGHUP and waits for its `applied` log
line and half a second more (status and metrics are written after it). The growth is the
apparent size of every regular file under the state directory after the round minus before
(`ir/` objects and chunks, `commits/`, `ledger/`, `status.json`, `metrics.prom`, inventory
files); the floor beside it is what git itself adds under `.git/objects` for the same commit
(loose, compressed objects). The restart row stops the reconciler and starts it again on the
same commit. Memory is the kernel's high-water mark (`VmHWM`) of the running reconciler
after the rounds, beside the peak of `validate --rev HEAD` over the same corpus.
"""
    return table(rows) + notes


BENCHES = {"core": ("Policy core: validate and compile (issue 2)", bench_core),
           "hooks": ("The pre-receive hook (issue 3)", bench_hooks),
           "engine": ("The reconciler and the engine (issue 4)", bench_engine),
           "drivers": ("Real drivers: a dry-run through the Proxmox API (issue 5)", bench_drivers),
           "idle": ("An idle reconciler's CPU (issue 10)", bench_idle),
           "state": ("State that grows with the change (issue 10)", bench_state)}


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s %s; %s" % (cpu, os.cpu_count(), platform.system(), platform.release(),
                                         subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0])


def write_section(name, title, body, args):
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nWritten by `bench/run.py`; every figure is compared with a floor or a peer measured in the same run.\n"
    start, end = "<!-- bench:%s:start -->" % name, "<!-- bench:%s:end -->" % name
    section = "%s\n## %s\n\n%s, %d runs each (median), corpus of %d generated policies (`gen_corpus.py %d --git`).\nMachine: %s.\n\n%s%s" % (
        start, title, datetime.date.today().isoformat(), args.runs, args.n, args.n, machine(), body, end)
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=",".join(BENCHES))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--work", help="a folder to keep the corpora in between runs (default: a temporary one)")
    ap.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    ap.add_argument("--bin", "--binary", dest="bin", help="the policyops binary to measure, built beforehand (default: this checkout's release build)")
    args = ap.parse_args()
    global BIN
    if args.bin:
        BIN = os.path.abspath(args.bin)
    if not args.no_build and not args.bin:
        sh(["swift", "build", "-c", "release", "--product", "policyops"], cwd=ROOT, stdout=subprocess.DEVNULL)
        sh(["swift", "build", "-c", "release", "--product", "policyops-bench"], cwd=ROOT, stdout=subprocess.DEVNULL)
    # --work keeps the generated corpora between runs (two builds measured on one corpus).
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="policyops-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        for name in args.only.split(","):
            title, fn = BENCHES[name]
            body = fn(args, work)
            print("## " + title + "\n\n" + body)
            if not args.no_write:
                write_section(name, title, body, args)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
