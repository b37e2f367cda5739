import Foundation
import Testing
import TestSupport

/// What an operator reads about a running reconciler: `status`, `metrics.prom` and the
/// ledger's text tell the same counts, in words that agree with the numbers.
@Suite(.serialized) struct ObservabilityTests {
    static let pve = "policies/power/pve-shutdown-on-low-runtime.json"

    /// The example repository with the Proxmox policy enabled: its token's secret is not in
    /// the environment, so its dry-run fails and it is disabled; the PoE one stays
    /// `enabled: false`. Five active, two disabled.
    func rigWithADisabledPolicy() throws -> ReconcileRig {
        let rig = try ReconcileRig()
        rig.repo.write(Self.pve, rig.repo.directory.read(Self.pve)!.replacingOccurrences(of: "\"enabled\": false", with: "\"enabled\": true"))
        try rig.repo.commit("enable pve")
        return rig
    }

    func once(_ rig: ReconcileRig) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PVE1_TOKEN_SECRET"] = nil
        let r = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--no-nut"], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func statusAndMetricsCountTheSamePolicies() throws {
        let rig = try rigWithADisabledPolicy()
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        try once(rig)
        let policies = try rig.policies()
        #expect(rig.status()?["counts"] as? [String: Int] == ["active": 5, "disabled": 2])
        #expect((rig.status()?["inactivePolicies"] as? [[String: Any]])?.count == 2)
        #expect(policies.filter { $0["status"] as? String == "active" }.count == 5)
        #expect(policies.filter { $0["status"] as? String == "disabled" }.count == 2)
        let ready = try #require(rig.condition("Ready"))
        #expect(ready["status"] as? String == "True")
        let message = ready["message"] as? String ?? ""
        #expect(message.hasSuffix(": 5 active, 2 disabled"), "\(message)")
        // The text of `status` says it twice, the same way.
        let text = try Paths.policyops(["status", "--state", rig.state.path]).stdout
        #expect(text.contains("\npolicies:   5 active, 2 disabled\n"), "\(text)")
        let readyLine = text.split(separator: "\n").first { $0.hasPrefix("  Ready ") }
        #expect(readyLine?.hasSuffix(": 5 active, 2 disabled") == true, "\(text)")
        // The commit record counts as status does.
        let commit = try #require(try rig.ledger(["--kind", "commit"]).last)
        #expect((commit["message"] as? String)?.contains(": 5 active, 2 disabled, 6 new or changed") == true, "\(commit)")
        #expect((commit["details"] as? [String: Any])?["active"] as? Int == 5)

        let prom = try String(contentsOfFile: rig.state.path + "/metrics.prom", encoding: .utf8)
        let metrics = try PrometheusExposition(prom)
        #expect(metrics.value("policyops_policies", ["status": "active"]) == 5, "\(prom)")
        #expect(metrics.value("policyops_policies", ["status": "disabled"]) == 2, "\(prom)")
        #expect(metrics.value("policyops_policies", ["status": "invalid"]) == 0, "\(prom)")
        #expect(metrics.value("policyops_ready") == 1, "\(prom)")
        #expect(metrics.value("policyops_stalled") == 0, "\(prom)")
        for name in ["policyops_compile_duration_seconds", "policyops_dry_run_duration_seconds", "policyops_execution_duration_seconds"] {
            #expect(metrics.family(name)?.type == "histogram", "\(name) in \(prom)")
            #expect(metrics.family(name)?.help?.isEmpty == false, "\(name)")
        }
        // One commit compiled, one dry-run of the changed policies, one job (the web tier's three VMs).
        #expect(metrics.value("policyops_compile_duration_seconds_count") == 1, "\(prom)")
        #expect(metrics.value("policyops_dry_run_duration_seconds_count") == 1, "\(prom)")
        #expect(metrics.value("policyops_execution_duration_seconds_count") == 1, "\(prom)")
        #expect((metrics.value("policyops_execution_duration_seconds_sum") ?? -1) >= 0)
        #expect(metrics.value("policyops_events_total") == 1)
    }

    /// A policy disabled by its dry-run on apply is not dry-run again in the same pass: the
    /// retry waits its interval.
    @Test func aDisabledPolicyIsDryRunOncePerPass() throws {
        let rig = try rigWithADisabledPolicy()
        try once(rig)
        let dryRuns = try rig.ledger(["--kind", "dry-run", "--policy", "pve-shutdown-on-low-runtime"])
        #expect(dryRuns.count == 1, "\(dryRuns.map { $0["message"] ?? "" })")
        #expect(dryRuns.first?["severity"] as? String == "error")
        // Every policy of the commit was dry-run exactly once.
        let all = try rig.ledger(["--kind", "dry-run"]).compactMap { $0["policy_id"] as? String }
        #expect(all.count == Set(all).count && all.count == 6, "\(all)")
    }

    /// The retry still comes, an interval after the dry-run that disabled the policy.
    @Test func aDisabledPolicyIsRetriedEveryInterval() throws {
        let rig = try rigWithADisabledPolicy()
        var environment = ProcessInfo.processInfo.environment
        environment["PVE1_TOKEN_SECRET"] = nil
        try rig.start(["--interval", "0.2", "--retry", "1s"], environment: environment)
        func stamps() -> [Date] {
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return ((try? rig.ledger(["--kind", "dry-run", "--policy", "pve-shutdown-on-low-runtime"])) ?? []).compactMap { ($0["ts"] as? String).flatMap(iso.date(from:)) }
        }
        #expect(eventually(timeout: 30) { stamps().count >= 3 }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.stop() == 0)
        let ts = stamps()
        for (a, b) in zip(ts, ts.dropFirst()) { #expect(b.timeIntervalSince(a) >= 0.999, "dry-runs at \(ts)") }
    }

    @Test(arguments: [(1, "has 1 blocker and is not applied"), (2, "has 2 blockers and is not applied")])
    func blockersAreCountedInWords(_ count: Int, _ words: String) throws {
        let rig = try ReconcileRig()
        // A file that is not JSON has exactly one blocker.
        for n in 0..<count { rig.repo.write("policies/broken-\(n).json", "{") }
        try rig.repo.commit("broken")
        try once(rig)
        let refused = try #require(try rig.ledger(["--kind", "commit"]).last)
        #expect((refused["details"] as? [String: Any])?["blockers"] as? Int == count)
        let stalled = try #require(rig.condition("Stalled"))
        #expect((stalled["message"] as? String)?.contains(words) == true, "\(stalled)")
        // Nothing applied: no policy to count, said so.
        let text = try Paths.policyops(["status", "--state", rig.state.path]).stdout
        #expect(text.contains("\npolicies:   none\n"), "\(text)")
        let metrics = try PrometheusExposition(try String(contentsOfFile: rig.state.path + "/metrics.prom", encoding: .utf8))
        #expect(metrics.value("policyops_stalled") == 1)
        #expect(metrics.value("policyops_ready") == 0)
    }

    /// `stop_on_match` and the suppression window leave their trace in `ledger`'s text.
    @Test func theLedgerShowsWhatStoppedAndWhatWasSuppressed() throws {
        let rig = try ReconcileRig()
        rig.repo.write(ReconcileRig.web, rig.repo.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "\"priority\": 10,", with: "\"priority\": 10, \"stop_on_match\": true,"))
        try rig.repo.commit("the web tier goes alone")
        for state in ["on_battery", "on_mains", "on_battery"] {
            try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=\(state)"])
            try once(rig)
        }
        let decisions = try rig.ledger(["--kind", "decision", "--policy", "shutdown-web-tier-on-battery"])
        #expect(decisions.count == 2)
        let stopped = try #require((decisions.first?["details"] as? [String: Any])?["stop_on_match"] as? [String: Any])
        #expect((stopped["not_evaluated"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["shed-app-tier-under-load"])
        #expect((decisions.last?["details"] as? [String: Any])?["outcome"] as? String == "suppressed-window")
        let text = try Paths.policyops(["ledger", "--state", rig.state.path, "--kind", "decision"]).stdout
        #expect(text.contains("        stop_on_match: 1 shortlisted policy not evaluated: shed-app-tier-under-load"), "\(text)")
        #expect(text.contains("        suppressed-window"), "\(text)")
    }

    @Test(arguments: [
        "# TYPE a gauge\na 1",  // no final newline
        "a 1\n",  // no TYPE
        "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",  // the same series twice
        "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n",  // a family split
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  // +Inf is not the count
        "# TYPE h histogram\nh_bucket{le=\"2\"} 0\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n",  // le out of order
        "# TYPE a gauge\na{1x=\"1\"} 1\n",  // a bad label name
        "# TYPE a gauge\na{x=1} 1\n",  // an unquoted label value
        "# TYPE a gauge\na one\n",  // not a number
        "# TYPE a gauge\n\na 1\n",  // an empty line
    ])
    func theCheckerRefusesWhatPrometheusWould(_ text: String) {
        #expect(throws: PrometheusExposition.Problem.self) { try PrometheusExposition(text) }
    }

    @Test func theCheckerReadsAWellFormedHistogram() throws {
        let text = "# HELP h Seconds.\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.25\nh_count 2\n# TYPE g gauge\ng{a=\"x\\\"y\"} 1.5e3\n"
        let m = try PrometheusExposition(text)
        #expect(m.value("h_count") == 2 && m.value("h_sum") == 3.25 && m.value("g", ["a": "x\"y"]) == 1500)
    }
}
