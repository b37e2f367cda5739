import Foundation
import Testing
import TestSupport

/// Commands given what does not exist say so (exit 2) and change nothing; commands given a
/// name find everything it names.
@Suite struct CommandRefusalTests {
    /// The example repository, applied by one `reconcile --once`.
    func applied() throws -> ReconcileRig {
        let rig = try ReconcileRig()
        let r = try Paths.policyops(["reconcile", "--once", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut"])
        #expect(r.status == 0, "\(r.stderr)")
        return rig
    }

    func emit(_ state: String, _ args: [String]) throws -> ProcessResult {
        try Paths.policyops(["event", "emit", "--state", state] + args)
    }

    func inbox(_ state: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: state + "/inbox")) ?? []).filter { $0.hasSuffix(".json") }
    }

    @Test func ledgerByPolicyNameHasItsStartsAndExecutions() throws {
        let rig = try applied()
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        let r = try Paths.policyops(["reconcile", "--once", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut"])
        #expect(r.status == 0, "\(r.stderr)")
        let all = try rig.ledger()
        let id = try #require(all.first { ($0["details"] as? [String: Any])?["policy"] as? String == "shutdown-web-tier-on-battery" }?["policy_id"] as? String)
        let byID = try rig.ledger(["--policy", id])
        let byName = try rig.ledger(["--policy", "shutdown-web-tier-on-battery"])
        let kinds = Set(byID.compactMap { $0["kind"] as? String })
        #expect(kinds.isSuperset(of: ["dry-run", "decision", "start", "execution"]), "\(kinds)")
        #expect(byName.compactMap { $0["seq"] as? Int } == byID.compactMap { $0["seq"] as? Int })
        #expect(byID.allSatisfy { $0["policy_id"] as? String == id })
    }

    @Test func ledgerOfAnUnknownPolicySaysSo() throws {
        let rig = try applied()
        for format in ["text", "json"] {
            let r = try Paths.policyops(["ledger", "--state", rig.state.path, "--policy", "nosuch", "--format", format])
            #expect(r.status == 2, "\(format): \(r.stdout)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("no policy nosuch"), "\(r.stderr)")
        }
    }

    @Test func emitRefusesAnUndeclaredUPSAndUnknownMetrics() throws {
        let rig = try applied()
        let state = rig.state.path
        for args in [["--kind", "ups.state", "--subject", "ups:nosuch", "--attr", "state=on_battery"],
                     ["--kind", "metric", "--subject", "ups:nosuch", "--attr", "load=80"],
                     ["--kind", "metric", "--attr", "load=80", "--attr", "runtime_mins=5"],
                     ["--kind", "ups.state", "--attr", "state=on_battery", "--attr", "voltage=230"],
                     ["--kind", "ups.state", "--subject", "host:sim-rack-a", "--attr", "state=on_battery"]] {
            let r = try emit(state, args)
            #expect(r.status == 2, "\(args): \(r.stdout)")
            #expect(r.stderr.hasPrefix("Error: "), "\(args): \(r.stderr)")
        }
        let undeclared = try emit(state, ["--kind", "ups.state", "--subject", "ups:nosuch", "--attr", "state=on_battery"])
        #expect(undeclared.stderr.contains("ups-main"), "names the declared UPSes: \(undeclared.stderr)")
        let unknown = try emit(state, ["--kind", "metric", "--attr", "load=80", "--attr", "runtime_mins=5"])
        #expect(unknown.stderr.contains("runtime_mins") && unknown.stderr.contains("runtime_minutes"), "\(unknown.stderr)")
        #expect(inbox(state).isEmpty, "nothing was emitted")
        // Every metric of the catalog, by short or NUT name, is taken.
        for name in ["load", "ups.load", "charge_pct", "battery.charge", "runtime_s", "battery.runtime", "runtime_minutes", "input_voltage", "input.voltage"] {
            let r = try emit(state, ["--kind", "metric", "--attr", "\(name)=5"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
    }

    @Test func emitNamesTheFirstDeclaredUPSWhenNoSubjectIsGiven() throws {
        let rig = try applied()
        let r = try emit(rig.state.path, ["--kind", "ups.state", "--attr", "state=on_battery"])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try #require(inbox(rig.state.path).first)
        let event = try json(try String(contentsOfFile: rig.state.path + "/inbox/" + file, encoding: .utf8))
        let subject = try #require(event["subject"] as? [String: Any])
        #expect(subject["kind"] as? String == "ups" && subject["id"] as? String == "ups-main", "\(subject)")
    }

    @Test func emitWithNothingAppliedNeedsASubject() throws {
        let state = TemporaryDirectory("state")
        let r = try emit(state.path, ["--kind", "ups.state", "--attr", "state=on_battery"])
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stderr.contains("--subject"), "\(r.stderr)")
        #expect(inbox(state.path).isEmpty)
        // A UPS named outright is taken, though nothing can check it yet; it says so.
        let named = try emit(state.path, ["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stderr.contains("not checked"), "\(named.stderr)")
        #expect(inbox(state.path).count == 1)
        // A webhook is about no UPS.
        let webhook = try emit(state.path, ["--kind", "webhook.custom", "--attr", "name=drill"])
        #expect(webhook.status == 0, "\(webhook.stderr)")
    }

    @Test func emitDoesNotMakeAMissingStateDirectory() throws {
        let parent = TemporaryDirectory("parent")
        let missing = parent.path + "/no/such/state"
        let r = try emit(missing, ["--kind", "webhook.custom", "--attr", "name=drill"])
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stderr.contains(missing), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent.path + "/no"))
    }

    @Test func reconcileOnceOfAMissingRepositoryIsAnEnvironmentError() throws {
        let state = TemporaryDirectory("state")
        let nowhere = state.path + "/nonexistent"
        let r = try Paths.policyops(["reconcile", "--once", "--repo", nowhere, "--state", state.path, "--no-nut"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(nowhere), "\(r.stderr)")
        let plain = TemporaryDirectory("plain")
        let notGit = try Paths.policyops(["reconcile", "--once", "--repo", plain.path, "--state", state.path, "--no-nut"])
        #expect(notGit.status == 2, "\(notGit.stderr)")
        let rig = try ReconcileRig()
        let noBranch = try Paths.policyops(["reconcile", "--once", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut", "--branch", "nosuch"])
        #expect(noBranch.status == 2, "\(noBranch.stderr)")
        #expect(noBranch.stderr.contains("nosuch"), "\(noBranch.stderr)")
    }

    @Test func inventoryRefreshReadsABareRepositorysCommit() throws {
        let rig = try ReconcileRig()
        let bare = TemporaryDirectory("bare")
        try ProcessRunner.tool("git", ["clone", "-q", "--bare", rig.repo.path, bare.path + "/policies.git"])
        let state = TemporaryDirectory("state")
        let r = try Paths.policyops(["inventory", "--repo", bare.path + "/policies.git", "--state", state.path, "--host", "sim-rack-a", "--refresh"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("vm:104"), "\(r.stdout)")
        // --rev reads another commit: one where the host is not declared yet.
        rig.repo.remove("hosts/sim-rack-a.json")
        try rig.repo.commit("no rack")
        let head = TemporaryDirectory("bare2")
        try ProcessRunner.tool("git", ["clone", "-q", "--bare", rig.repo.path, head.path + "/policies.git"])
        let gone = try Paths.policyops(["inventory", "--repo", head.path + "/policies.git", "--state", state.path, "--host", "sim-rack-a", "--refresh"])
        #expect(gone.status == 2, "\(gone.stdout)")
        let before = try Paths.policyops(["inventory", "--repo", head.path + "/policies.git", "--rev", "HEAD~1", "--state", state.path, "--host", "sim-rack-a", "--refresh"])
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        #expect(before.stdout.contains("vm:104"))
    }
}
