import Foundation
import Testing
import TestSupport

/// `policyops simulate`: a recorded outage replayed against a commit on simulated twins,
/// so a pull request shows what it would have done.
@Suite(.serialized) struct SimulateTests {
    /// The example repository as a git repository, with its traces.
    func repository() throws -> GitFixture {
        let repo = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", repo.path])
        try repo.commit("example policies")
        return repo
    }

    static let trace = "traces/outage-2026-10-14.json"

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func touched(_ report: [String: Any]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for host in report["hosts"] as? [[String: Any]] ?? [] {
            for t in host["touched"] as? [[String: Any]] ?? [] {
                out["\(host["name"] as? String ?? ""):\(t["id"] as? String ?? "")"] = t["states"] as? [String]
            }
        }
        return out
    }

    @Test func theExampleOutageReplaysOnTwinsAndTouchesNothing() throws {
        let repo = try repository()
        let text = try Paths.policyops(["simulate", "--trace", Self.trace], directory: repo.path)
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        for line in ["7 events, 2026-10-14T02:28:05.000Z → 2026-10-14T03:30:00.000Z",
                     "2026-10-14T02:28:05.000Z  ups.state on_battery from ups:ups-main",
                     "shutdown-web-tier-on-battery matched: 3 scheduled",
                     "ran sim.vm shutdown on sim-rack-a: 3 succeeded, 0 failed",
                     "2026-10-14T03:11:40.000Z  timer.after of start-web-tier-on-mains (made by the engine)",
                     "web-1 (vm:104)            running → stopped → running",
                     "ap-lobby (poe-port:1/1)   on → off",
                     "OK: 3 decisions (3 acted), 3 executions (0 failed)"] {
            #expect(text.stdout.contains(line), "missing: \(line)\n\(text.stdout)")
        }
        let report = try json(try Paths.policyops(["simulate", "--trace", Self.trace, "--format", "json"], directory: repo.path).stdout)
        #expect(touched(report)["sim-rack-a:vm:106"] == ["running", "stopped", "running"])
        #expect(touched(report)["sim-rack-a:vm:110"] == nil)
        let kinds = (report["records"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.prefix(6) == ["dry-run", "dry-run", "dry-run", "dry-run", "dry-run", "commit"])
        let markdown = try Paths.policyops(["simulate", "--trace", Self.trace, "--format", "markdown"], directory: repo.path)
        #expect(markdown.stdout.hasPrefix("### PolicyOps simulation of "))
        #expect(markdown.stdout.contains("| sim-rack-a | web-1 (vm:104) | running → stopped → running |"))
        // Nothing was written: no state directory, no change in the repository.
        #expect(try repo.git(["status", "--porcelain", "--ignored"]).isEmpty)
    }

    /// The pull-request use: the same outage against the base and the change.
    @Test func aChangeShowsWhatItWouldHaveDoneDifferently() throws {
        let repo = try repository()
        let web = "policies/power/shutdown-web-tier-on-battery.json"
        repo.write(web, repo.directory.read(web)!.replacingOccurrences(of: "104-106", with: "104-108"))
        try repo.commit("web tier: the app VMs go too")
        let before = try json(try Paths.policyops(["simulate", "--rev", "HEAD~1", "--trace", Self.trace, "--format", "json"], directory: repo.path).stdout)
        let after = try json(try Paths.policyops(["simulate", "--rev", "HEAD", "--trace", Self.trace, "--format", "json"], directory: repo.path).stdout)
        #expect(touched(before)["sim-rack-a:vm:107"] == nil)
        #expect(touched(after)["sim-rack-a:vm:107"] == ["running", "stopped", "running"])
        #expect(before["commit"] as? String != after["commit"] as? String)

        // The same question in one command, answered with only what differs.
        let mains = "policies/power/start-web-tier-on-mains.json"
        repo.write(mains, repo.directory.read(mains)!.replacingOccurrences(of: "\"after\": \"2m\"", with: "\"after\": \"5m\""))
        try repo.commit("wait five minutes of mains")
        let text = try Paths.policyops(["simulate", "--trace", Self.trace, "--compare", "HEAD~2"], directory: repo.path)
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        for line in ["+ 2026-10-14T02:28:05.000Z  sim.vm shutdown vm:107 on sim-rack-a: succeeded (shutdown-web-tier-on-battery)",
                     "+ 2026-10-14T02:28:05.000Z  sim.vm shutdown vm:108 on sim-rack-a: succeeded (shutdown-web-tier-on-battery)",
                     "~ 2026-10-14T03:14:40.000Z  sim.vm start vm:104 on sim-rack-a: succeeded (start-web-tier-on-mains); with the base at 2026-10-14T03:11:40.000Z",
                     "+ 2026-10-14T03:14:40.000Z  sim.vm start vm:107 on sim-rack-a: succeeded (start-web-tier-on-mains)"] {
            #expect(text.stdout.contains(line), "missing: \(line)\n\(text.stdout)")
        }
        #expect(!text.stdout.contains("poe-port"), "the PoE policy does the same with both")
        let compared = try json(try Paths.policyops(["simulate", "--trace", Self.trace, "--compare", "HEAD~2", "--format", "json"], directory: repo.path).stdout)
        let changes = compared["changes"] as? [[String: Any]] ?? []
        #expect(changes.filter { $0["change"] as? String == "added" }.count == 4)
        #expect(changes.filter { $0["change"] as? String == "moved" }.count == 3)
        #expect(changes.filter { $0["change"] as? String == "removed" }.isEmpty)
        #expect(compared["same"] as? Bool == false)
        let markdown = try Paths.policyops(["simulate", "--trace", Self.trace, "--compare", "HEAD~2", "--format", "markdown"], directory: repo.path)
        #expect(markdown.stdout.contains("| + only with the commit | 2026-10-14T02:28:05.000Z | `shutdown-web-tier-on-battery` | sim.vm shutdown | vm:107 on sim-rack-a | succeeded |"))
        // A change that does nothing different in this outage says so.
        repo.write("policies/notes.txt", "not a policy")
        try repo.commit("a note")
        let same = try Paths.policyops(["simulate", "--trace", Self.trace, "--compare", "HEAD~1"], directory: repo.path)
        #expect(same.stdout.contains("no difference: in this outage the commit does exactly what its base does"), "\(same.stdout)")
        // A base that is not a revision is a usage error.
        #expect(try Paths.policyops(["simulate", "--trace", Self.trace, "--compare", "no-such-rev"], directory: repo.path).status == 2)
    }

    /// What the reconciler recorded, exported from its ledger and replayed at the same
    /// commit, gives the same decisions and the same executions.
    @Test func aLedgerExportReplaysToTheSameDecisions() throws {
        let rig = try ReconcileRig()
        try rig.start(["--interval", "0.2", "--time-scale", "60"])
        defer { _ = rig.stop() }
        let head = try rig.repo.git(["rev-parse", "HEAD"])
        #expect(eventually { rig.applied == head }, "\(rig.reconciler?.stderr ?? "")")
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(eventually { (try? rig.ledger(["--kind", "execution"]).count) == 1 })
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_mains"])
        // Two minutes of mains at 60× is two seconds: the web tier comes back.
        #expect(eventually { (try? rig.ledger(["--kind", "execution"]).count) == 2 })
        #expect(rig.stop() == 0)
        let export = try Paths.policyops(["ledger", "--state", rig.state.path, "--limit", "0", "--format", "json"])
        rig.repo.write("outage.json", export.stdout)
        let replay = try Paths.policyops(["simulate", "--trace", "outage.json", "--format", "json"], directory: rig.repo.path)
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try json(replay.stdout)
        func summary(_ records: [[String: Any]], _ kind: String) -> [String] {
            records.filter { $0["kind"] as? String == kind }.map { r in
                (r["policy_id"] as? String ?? "") + " " + (r["results"] as? [[String: Any]] ?? []).map {
                    "\($0["target_id"] ?? "")=\($0["outcome"] ?? "")"
                }.joined(separator: ",")
            }
        }
        let live = try rig.ledger()
        let replayed = report["records"] as? [[String: Any]] ?? []
        #expect(summary(replayed, "decision") == summary(live, "decision"))
        #expect(summary(replayed, "execution") == summary(live, "execution"))
        #expect(summary(replayed, "decision").count == 2)
        #expect((report["ignored"] as? [String: Any])?["timer.after events"] as? Int == 1)
    }

    /// Hosts start as a reconciler's state directory last saw them.
    @Test func stateFromAReconcilerDirectory() throws {
        let repo = try repository()
        let state = TemporaryDirectory("state")
        let rack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
        let declared = try json(repo.directory.read("hosts/sim-rack-a.json")!)
        var targets = (declared["connection"] as? [String: Any])?["targets"] as? [[String: Any]] ?? []
        for i in targets.indices where targets[i]["id"] as? String == "vm:104" { targets[i]["state"] = "stopped" }
        state.write("sim/\(rack).json", String(data: try JSONSerialization.data(withJSONObject: ["host_id": rack, "targets": targets]), encoding: .utf8)!)
        let report = try json(try Paths.policyops(["simulate", "--trace", Self.trace, "--state", state.path, "--format", "json"], directory: repo.path).stdout)
        #expect(touched(report)["sim-rack-a:vm:104"] == ["stopped", "running"])
        let missing = try Paths.policyops(["simulate", "--trace", Self.trace, "--state", state.join("nope")], directory: repo.path)
        #expect(missing.status == 2 && missing.stderr.contains("not a readable state directory"))
    }

    @Test func aBadTraceIsPlacedAndNothingRuns() throws {
        let repo = try repository()
        repo.write("bad.json", """
        {"events": [
          {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}},
          {"ts": "2026-10-14T02:14:05Z", "type": "ups.state", "attrs": {"state": "sideways"}}
        ]}
        """)
        let r = try Paths.policyops(["simulate", "--trace", "bad.json"], directory: repo.path)
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.json:3:3: /events/1: a ups.state event needs attrs state=STATE"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        repo.write("broken.json", "{\"events\": [\n  {\"ts\": ")
        let broken = try Paths.policyops(["simulate", "--trace", "broken.json"], directory: repo.path)
        #expect(broken.status == 2 && broken.stderr.contains("broken.json:2:"), "\(broken.stderr)")
        let none = try Paths.policyops(["simulate", "--trace", "no-such-file.json"], directory: repo.path)
        #expect(none.status == 2 && none.stderr.contains("cannot read the trace no-such-file.json"))
        let usage = try Paths.policyops(["simulate"], directory: repo.path)
        #expect(usage.status == 2 && usage.stderr.contains("--trace"))
        let until = try Paths.policyops(["simulate", "--trace", Self.trace, "--until", "2026-10-14T02:00:00Z"], directory: repo.path)
        #expect(until.status == 2 && until.stderr.contains("before the trace's last event"))
    }

    @Test func aCommitWithBlockersIsNotSimulated() throws {
        let repo = try repository()
        repo.write("policies/broken.json", "{\"version\": 1}")
        try repo.commit("broken")
        let r = try Paths.policyops(["simulate", "--trace", Self.trace], directory: repo.path)
        #expect(r.status == 1)
        #expect(r.stdout.contains("has blockers; nothing to simulate"))
    }

    /// Standard input, and a replay whose dry-runs fail, exits 3.
    @Test func standardInputAndErrorsExitThree() throws {
        let repo = try repository()
        let trace = """
        {"hosts": {"sim-rack-a": {"targets": [{"id": "vm:104", "state": "running"}], "faults": {"unreachable": true}}},
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}]}
        """
        let r = try Paths.policyops(["simulate", "--trace", "-"], directory: repo.path, input: Data(trace.utf8))
        #expect(r.status == 3, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("DISABLED dry-run of shutdown-web-tier-on-battery failed"))
    }
}
