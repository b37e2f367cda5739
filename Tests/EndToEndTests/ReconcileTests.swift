import Foundation
import Testing
import TestSupport

/// A git repository of the example policies, a state directory, and the reconciler.
final class ReconcileRig: @unchecked Sendable {
    let repo: GitFixture
    let state: TemporaryDirectory
    var reconciler: BackgroundProcess?

    init() throws {
        repo = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", Paths.exampleRepo + "/ups", repo.path])
        try repo.commit("power policies")
        state = TemporaryDirectory("state")
    }

    func start(_ extra: [String] = ["--interval", "0.2"], environment: [String: String]? = nil) throws {
        reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", repo.path, "--state", state.path, "--no-nut"] + extra, environment: environment)
    }

    func stop() -> Int32? {
        reconciler?.signal(SIGTERM)
        return reconciler?.wait()
    }

    func status() -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: state.path + "/status.json") else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    var applied: String? { status()?["lastAppliedRevision"] as? String }

    /// Every policy as `policyops status --format json` lists it (status.json itself holds
    /// only those that are not active; the others are the applied manifest's).
    func policies() throws -> [[String: Any]] {
        let r = try Paths.policyops(["status", "--state", state.path, "--format", "json"])
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return j?["policies"] as? [[String: Any]] ?? []
    }

    func condition(_ type: String) -> [String: Any]? {
        (status()?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == type }
    }

    func ledger(_ extra: [String] = []) throws -> [[String: Any]] {
        let r = try Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"] + extra)
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    func emit(_ args: [String]) throws {
        let r = try Paths.policyops(["event", "emit", "--state", state.path] + args)
        guard r.status == 0 else { throw FixtureError("emit failed: \(r.stderr)") }
    }

    func simState(_ hostID: String, _ target: String) -> String? {
        guard let data = FileManager.default.contents(atPath: "\(state.path)/sim/\(hostID).json"),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let targets = json["targets"] as? [[String: Any]] else { return nil }
        return targets.first { $0["id"] as? String == target }?["state"] as? String
    }

    static let rack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
    static let web = "policies/power/shutdown-web-tier-on-battery.json"
}

@Suite(.serialized) struct ReconcileTests {
    @Test func commitsArriveWhileItRuns() throws {
        let rig = try ReconcileRig()
        try rig.start()
        let first = try rig.repo.git(["rev-parse", "HEAD"])
        #expect(eventually { rig.applied == first }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.condition("Ready")?["status"] as? String == "True")
        rig.repo.write(ReconcileRig.web, rig.repo.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "104-106", with: "104-105"))
        let second = try rig.repo.commit("one fewer web VM")
        #expect(eventually { rig.applied == second })
        let ledger = try rig.ledger(["--kind", "commit"])
        #expect(ledger.compactMap { $0["commit"] as? String } == [first, second])
        let policies = try rig.policies()
        let web = try #require(policies.first { $0["path"] as? String == ReconcileRig.web })
        #expect(web["version_int"] as? Int == 2)
        #expect(rig.stop() == 0)
    }

    /// `dynamic_resolution: false`: the targets resolved when the policy was applied are
    /// the ones it acts on, through later commits and restarts, until the policy changes.
    @Test func frozenTargetsSurviveCommitsAndRestarts() throws {
        let rig = try ReconcileRig()
        func policy(dynamic: Bool) -> String {
            """
            {"version": 1, "name": "frozen-web", "dynamic_resolution": \(dynamic), "suppression_window": "0s", "idempotency_window": "0s",
             "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "freeze-test"}]},
             "targets": {"host_id": "\(ReconcileRig.rack)", "target_type": "vm", "selector": {"mode": "query", "value": "label.tier=web"}},
             "actions": [{"capability_id": "sim.vm", "verb": "reset"}]}
            """
        }
        rig.repo.write("policies/frozen.json", policy(dynamic: false))
        var commit = try rig.repo.commit("a frozen policy")
        try rig.start()
        #expect(eventually { rig.applied == commit }, "\(rig.reconciler?.stderr ?? "")")
        // vm:107 joins the web tier after the policy was applied.
        let simFile = "\(rig.state.path)/sim/\(ReconcileRig.rack).json"
        var world = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: simFile))) as? [String: Any])
        var targets = try #require(world["targets"] as? [[String: Any]])
        for i in targets.indices where targets[i]["id"] as? String == "vm:107" { targets[i]["labels"] = ["tier": "web"] }
        world["targets"] = targets
        // Atomically: a reconciler reading a half-written file would start the host afresh over it.
        try JSONSerialization.data(withJSONObject: world).write(to: URL(fileURLWithPath: simFile), options: .atomic)
        var fired = 0
        func fire() throws -> [String] {
            fired += 1
            try rig.emit(["--kind", "webhook.custom", "--attr", "name=freeze-test", "--correlation-id", "freeze-\(fired)"])
            var decided: [String] = []
            _ = try eventually {
                let d = try rig.ledger(["--kind", "decision", "--correlation-id", "freeze-\(fired)"])
                decided = (d.last?["results"] as? [[String: Any]] ?? []).compactMap { $0["target_id"] as? String }
                return !d.isEmpty
            }
            return decided.sorted()
        }
        #expect(try fire() == ["vm:104", "vm:105", "vm:106"])
        // Another policy changes; the frozen one keeps its targets, also after a restart.
        rig.repo.write(ReconcileRig.web, rig.repo.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "104-106", with: "104-105"))
        commit = try rig.repo.commit("an unrelated change")
        #expect(eventually { rig.applied == commit })
        #expect(rig.stop() == 0)
        try rig.start()
        #expect(try fire() == ["vm:104", "vm:105", "vm:106"])
        // Resolution turned on: the policy sees the inventory as it is now.
        rig.repo.write("policies/frozen.json", policy(dynamic: true))
        commit = try rig.repo.commit("resolve at run time")
        #expect(eventually { rig.applied == commit })
        #expect(try fire() == ["vm:104", "vm:105", "vm:106", "vm:107"])
        #expect(rig.stop() == 0)
    }

    /// A real upsd with dummy-ups: the UPS goes on battery, the reconciler's monitor drops
    /// the event into the inbox, and the example's policy shuts the web VMs down; then the
    /// UPS's driver dies, and after `--ups-deadtime` the UPS is `comm_lost`.
    @Test(.enabled(if: NUTRig.isInstalled, "nut-server is not installed"))
    func aRealUPSGoingOnBatteryRunsThePolicy() throws {
        let nut = try NUTRig()
        let rig = try ReconcileRig()
        rig.repo.write("ups/ups-main.json", #"{"id": "ups-main", "nut": {"host": "127.0.0.1", "port": \#(nut.port), "ups": "ups"}, "poll": "1s"}"#)
        let commit = try rig.repo.commit("watch the test UPS")
        rig.reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--interval", "0.2",
                                                                         "--ups-deadtime", "2s"])
        #expect(eventually { rig.applied == commit }, "\(rig.reconciler?.stderr ?? "")")
        #expect(eventually(timeout: 10) { (try? rig.ledger(["--kind", "event"]))?.contains { ($0["message"] as? String)?.contains("ups.state on_mains") == true } == true })
        try nut.set(status: "OB DISCHRG", charge: 93, runtime: 1600, load: 35)
        #expect(eventually(timeout: 20) { rig.simState(ReconcileRig.rack, "vm:104") == "stopped" }, "\(rig.reconciler?.stderr ?? "")")
        let event = try #require(try rig.ledger(["--kind", "event"]).last { ($0["message"] as? String)?.contains("on_battery") == true })
        let recorded = try #require((event["details"] as? [String: Any])?["event"] as? [String: Any])
        #expect((recorded["attrs"] as? [String: Any])?["source"] as? String == "nut")
        #expect((recorded["attrs"] as? [String: Any])?["charge_pct"] as? String == "93")
        nut.killDriver()
        #expect(eventually(timeout: 20) { (try? rig.ledger(["--kind", "event"]))?.contains { ($0["message"] as? String)?.contains("comm_lost") == true } == true },
                "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.stop() == 0)
    }

    @Test func aCommitWithABlockerIsNotAppliedAndStatusSaysWhy() throws {
        let rig = try ReconcileRig()
        try rig.start()
        let good = try rig.repo.git(["rev-parse", "HEAD"])
        #expect(eventually { rig.applied == good })
        rig.repo.write("policies/broken.json", "{\"version\": 1, \"name\": \"broken\"}")
        let bad = try rig.repo.commit("broken policy")
        #expect(eventually { rig.status()?["lastAttemptedRevision"] as? String == bad })
        #expect(rig.applied == good)
        let stalled = try #require(rig.condition("Stalled"))
        #expect(stalled["status"] as? String == "True")
        #expect(stalled["reason"] as? String == "BlockersFound")
        #expect((stalled["message"] as? String)?.contains("policies/broken.json") == true)
        #expect(rig.condition("Ready")?["status"] as? String == "False")
        let refused = try rig.ledger(["--kind", "commit"]).last
        #expect(refused?["severity"] as? String == "blocker")
        // Fixing it applies again.
        rig.repo.remove("policies/broken.json")
        let fixed = try rig.repo.commit("remove it")
        #expect(eventually { rig.applied == fixed })
        #expect(rig.condition("Stalled")?["status"] as? String == "False")
        #expect(rig.stop() == 0)
    }

    @Test func aForcePushAndARemovedPolicy() throws {
        let rig = try ReconcileRig()
        try rig.start()
        let base = try rig.repo.git(["rev-parse", "HEAD"])
        // The policy must have been applied before it can be removed: on a slow start the
        // reconciler's first look would otherwise already see the removal commit.
        #expect(eventually { rig.applied == base })
        rig.repo.remove(ReconcileRig.web)
        let removed = try rig.repo.commit("drop the web tier policy")
        #expect(eventually { rig.applied == removed })
        let gone = try rig.ledger(["--kind", "policy-removed"])
        #expect(gone.count == 1)
        #expect((gone.first?["message"] as? String)?.contains("it stops") == true)
        // The removed policy no longer acts.
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(eventually { (try? rig.ledger(["--kind", "event"]).count) == 1 })
        #expect(rig.simState(ReconcileRig.rack, "vm:104") == "running")
        // Force push: back to the base and another way.
        try rig.repo.git(["reset", "-q", "--hard", base])
        rig.repo.write("policies/extra.json", rig.repo.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "shutdown-web-tier-on-battery", with: "extra"))
        let rewritten = try rig.repo.commit("rewritten history")
        #expect(eventually { rig.applied == rewritten })
        #expect(rig.stop() == 0)
    }

    @Test func oneReconcilerPerStateDirectory() throws {
        let rig = try ReconcileRig()
        try rig.start()
        #expect(eventually { rig.applied != nil })
        let second = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--no-nut"])
        #expect(second.status == 2)
        #expect(second.stderr.contains("another reconciler (pid \(rig.reconciler!.pid)) holds"))
        let status = try Paths.policyops(["status", "--state", rig.state.path])
        #expect(status.stdout.contains("reconciler: running (pid \(rig.reconciler!.pid))"))
        #expect(rig.stop() == 0)
    }

    @Test func sigtermFinishesWhatRunsAndFlushesTheLedger() throws {
        let rig = try ReconcileRig()
        try rig.start(environment: ProcessInfo.processInfo.environment.merging(["POLICYOPS_SIM_WORK_MS": "400"]) { $1 })
        #expect(eventually { rig.applied != nil })
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(eventually { (try? rig.ledger(["--kind", "start"]).count) == 1 })
        #expect(rig.stop() == 0)
        let executions = try rig.ledger(["--kind", "execution"])
        #expect(executions.count == 1)
        #expect((executions.first?["results"] as? [[String: Any]])?.allSatisfy { $0["outcome"] as? String == "succeeded" } == true)
        #expect(rig.simState(ReconcileRig.rack, "vm:106") == "stopped")
        let verify = try Paths.policyops(["ledger", "--state", rig.state.path, "--verify", "--limit", "1"])
        #expect(verify.status == 0 && verify.stderr.contains("ledger verified"))
    }

    @Test func thePostReceiveHookWakesItAtOnce() throws {
        let server = try GitFixture(bare: true)
        #expect(try Paths.policyops(["hook", "install", "--git-dir", server.path, "--kind", "post-receive"]).status == 0)
        let clone = TemporaryDirectory("clone")
        try ProcessRunner.tool("git", ["clone", "-q", server.path, clone.path], environment: server.environment())
        let work = GitFixture(existing: clone)
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", clone.path])
        try work.commit("policies")
        try work.git(["push", "-q", "origin", "main"])
        let state = TemporaryDirectory("state")
        // Polls once a minute: only the nudge can make it apply within seconds.
        let reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", server.path, "--state", state.path, "--interval", "60", "--no-nut"])
        func applied() -> String? {
            guard let d = FileManager.default.contents(atPath: state.path + "/status.json"),
                  let j = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return nil }
            return j["lastAppliedRevision"] as? String
        }
        #expect(eventually { applied() != nil }, "\(reconciler.stderr)")
        #expect(eventually { FileManager.default.fileExists(atPath: server.path + "/policyops/watchers") })
        work.write(ReconcileRig.web, work.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "\"priority\": 10", with: "\"priority\": 12"))
        let next = try work.commit("reprioritize")
        let push = try ProcessRunner.tool("git", ["push", "origin", "main"], directory: clone.path, environment: work.environment())
        #expect(push.stderr.contains("woke the reconciler"))
        #expect(eventually(timeout: 10) { applied() == next })
        reconciler.signal(SIGTERM)
        #expect(reconciler.wait() == 0)
    }

    @Test func emitRefusesMalformedEvents() throws {
        let state = TemporaryDirectory()
        for args in [["--kind", "ups.state", "--attr", "state=sideways"], ["--kind", "metric"], ["--kind", "metric", "--attr", "load=hot"],
                     ["--kind", "webhook.custom"], ["--kind", "ups.state", "--attr", "state"], ["--kind", "ups.state", "--subject", "ups"]] {
            let r = try Paths.policyops(["event", "emit", "--state", state.path] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.hasPrefix("Error: "))
        }
    }

    @Test func statusLedgerAndInventoryFormats() throws {
        let rig = try ReconcileRig()
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery", "--correlation-id", "outage-7"])
        let once = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--log-format", "json", "--no-nut"])
        #expect(once.status == 0, "\(once.stderr)")
        for line in once.stderr.split(separator: "\n") {
            let j = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(j["ts"] is String && j["level"] is String && j["msg"] is String)
        }
        let status = try json(try Paths.policyops(["status", "--state", rig.state.path, "--format", "json"]).stdout)
        #expect(Set(status.keys).isSuperset(of: ["lastAppliedRevision", "lastAttemptedRevision", "conditions", "policies"]))
        for p in status["policies"] as? [[String: Any]] ?? [] {
            #expect(p["path"] is String && p["policy_id"] is String && p["status"] is String)
        }
        let records = try rig.ledger(["--correlation-id", "outage-7"])
        #expect(records.map { $0["kind"] as? String } == ["event", "decision", "start", "execution"])
        for r in records {
            for key in ["seq", "ts", "kind", "policy_id", "commit", "correlation_id", "severity", "results"] { #expect(r.keys.contains(key), "\(key)") }
        }
        let result = try #require((records[1]["results"] as? [[String: Any]])?.first)
        #expect(Set(result.keys).isSuperset(of: ["target_id", "capability", "verb", "severity", "outcome", "idempotency_key"]))
        let byPolicy = try rig.ledger(["--policy", "shutdown-web-tier-on-battery"])
        #expect(byPolicy.allSatisfy { ($0["policy_id"] as? String) != nil })
        let last2 = try Paths.policyops(["ledger", "--state", rig.state.path, "--format", "json", "--limit", "2"])
        #expect((try JSONSerialization.jsonObject(with: Data(last2.stdout.utf8)) as? [Any])?.count == 2)
        let text = try Paths.policyops(["ledger", "--state", rig.state.path])
        #expect(text.stdout.contains("decision  shutdown-web-tier-on-battery matched: 3 scheduled  [outage-7]"))
        let inventory = try Paths.policyops(["inventory", "--state", rig.state.path, "--host", "sim-rack-a"])
        #expect(inventory.status == 0, "\(inventory.stderr)")
        #expect(inventory.stdout.contains("vm:104"))
        let search = try Paths.policyops(["inventory", "search", "--state", rig.state.path, "label.tier=web"])
        #expect(search.stdout.contains("3 targets found"))
        let words = try Paths.policyops(["inventory", "search", "--state", rig.state.path, "app"])
        #expect(words.stdout.contains("app-1") && words.stdout.contains("app-2"))
        let prom = try String(contentsOfFile: rig.state.path + "/metrics.prom", encoding: .utf8)
        for m in ["policyops_reconcile_duration_seconds", "policyops_applied_revision_timestamp_seconds", "policyops_events_total 1",
                  "policyops_executions_total{severity=\"info\"} 1", "policyops_execution_queue_depth 0", "policyops_ledger_bytes"] {
            #expect(prom.contains(m), "\(m)")
        }
    }

    @Test func planShowsTheDryRunAndExitsThreeOnErrors() throws {
        let rig = try ReconcileRig()
        let ok = try Paths.policyops(["plan", "--repo", rig.repo.path])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("vm:104           running → stopped"))
        #expect(ok.stdout.contains("used_inventory: refreshed"))
        let j = try json(try Paths.policyops(["plan", "--repo", rig.repo.path, "--format", "json"]).stdout)
        let first = try #require((j["policies"] as? [[String: Any]])?.first { $0["name"] as? String == "shutdown-web-tier-on-battery" })
        let dry = try #require(((first["actions"] as? [[String: Any]])?.first)?["dry_run"] as? [String: Any])
        for key in ["ok", "severity", "idempotency_key", "preconditions", "plan", "effects", "reason"] { #expect(dry.keys.contains(key), "\(key)") }
        #expect((first["used_inventory"] as? [String: Any])?["stale"] as? Bool == false)
        // Enabling the policy on the real Proxmox host, whose token names a secret no
        // operator's configuration grants: an error that names the secret.
        let pve = "policies/power/pve-shutdown-on-low-runtime.json"
        rig.repo.write(pve, rig.repo.directory.read(pve)!.replacingOccurrences(of: "\"enabled\": false", with: "\"enabled\": true"))
        try rig.repo.commit("enable pve")
        let operatorFiles = TemporaryDirectory("operator")
        operatorFiles.write("none.json", "{}")
        let error = try Paths.policyops(["plan", "--repo", rig.repo.path, "--config", operatorFiles.join("none.json")])
        #expect(error.status == 3)
        #expect(error.stdout.contains(#"the secret "pve1-token" is not in the operator's configuration"#), "\(error.stdout)")
        // The operator grants it from a variable: what fails then is that it is not set.
        operatorFiles.write("config.json", """
        {"secrets": {"pve1-token": {"env": "PVE1_TOKEN_SECRET", "hosts": ["8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"], "fields": ["token_secret"]}}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["PVE1_TOKEN_SECRET"] = nil
        let unset = try Paths.policyops(["plan", "--repo", rig.repo.path, "--config", operatorFiles.join("config.json")], environment: environment)
        #expect(unset.status == 3)
        #expect(unset.stdout.contains("PO5005") && unset.stdout.contains("the environment variable PVE1_TOKEN_SECRET is not set"), "\(unset.stdout)")
        let markdown = try Paths.policyops(["plan", "--repo", rig.repo.path, "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("### PolicyOps plan of"))
        rig.repo.write("policies/bad.json", "{")
        try rig.repo.commit("bad")
        #expect(try Paths.policyops(["plan", "--repo", rig.repo.path]).status == 1)
    }
}
