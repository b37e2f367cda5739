import Foundation
import Testing
import TestSupport

/// What `policyops plan` says about a host's refresh SLA, and a failed dry-run said once.
@Suite struct PlanReportTests {
    static let rack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
    static let lab = "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"
    static let runner = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"

    static func policy(_ name: String, host: String, type: String, selector: String, action: String) -> String {
        """
        {"version": 1, "name": "\(name)", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "\(host)", "target_type": "\(type)", "selector": {"mode": "list", "value": "\(selector)"}},
         "actions": [\(action)]}
        """
    }

    @Test func planShowsEachHostsRefreshSLA() throws {
        let repo = try GitFixture()
        repo.write("hosts/rack.json", """
        {"id": "\(Self.rack)", "name": "rack", "driver": "sim", "connection": {"refresh_sla": "3s", "targets": [{"id": "vm:1", "name": "a", "state": "running"}]}}
        """)
        repo.write("hosts/lab.json", """
        {"id": "\(Self.lab)", "name": "lab", "driver": "sim", "connection": {"targets": [{"id": "vm:2", "name": "b", "state": "running"}]}}
        """)
        let shutdown = #"{"capability_id": "sim.vm", "verb": "shutdown"}"#
        repo.write("policies/rack.json", Self.policy("rack-off", host: Self.rack, type: "vm", selector: "1", action: shutdown))
        repo.write("policies/lab.json", Self.policy("lab-off", host: Self.lab, type: "vm", selector: "2", action: shutdown))
        try repo.commit("two sim hosts")
        let state = TemporaryDirectory("state")
        let plan = try Paths.policyops(["plan", "--repo", repo.path, "--state", state.path])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("refresh SLA 3 s (the host's connection.refresh_sla)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("refresh SLA 5 s (the driver's default)"), "\(plan.stdout)")
        let json = try Paths.policyops(["plan", "--repo", repo.path, "--state", state.path, "--format", "json"])
        let policies = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["policies"] as? [[String: Any]])
        let slas = policies.compactMap { ($0["used_inventory"] as? [String: Any])?["refresh_sla_s"] as? Int }
        #expect(slas.sorted() == [3, 5], "\(json.stdout)")
    }

    /// A sim host slower than its refresh SLA is given up on at the SLA, as real drivers are:
    /// measured on the command, in a process of its own (tests beside this one share its threads).
    @Test func aSlowSimHostIsGivenUpOnAtItsSLA() throws {
        let repo = try GitFixture()
        repo.write("hosts/rack.json", """
        {"id": "\(Self.rack)", "name": "rack", "driver": "sim", "connection": {"refresh_sla": "1s", "targets": [{"id": "vm:1", "name": "a", "state": "running"}]}}
        """)
        repo.write("policies/rack.json", Self.policy("rack-off", host: Self.rack, type: "vm", selector: "1", action: #"{"capability_id": "sim.vm", "verb": "shutdown"}"#))
        try repo.commit("a sim host")
        let state = TemporaryDirectory("state")
        let arguments = ["plan", "--repo", repo.path, "--state", state.path]
        #expect(try Paths.policyops(arguments).status == 0)
        let file = state.join("sim/\(Self.rack).json")
        var world = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        world["faults"] = ["latency_ms": 30_000]
        try JSONSerialization.data(withJSONObject: world).write(to: URL(fileURLWithPath: file))
        let started = Date()
        let slow = try Paths.policyops(arguments)
        let elapsed = Date().timeIntervalSince(started)
        #expect(slow.status == 3 && slow.stdout.contains("did not answer in time") && slow.stdout.contains("1 s refresh SLA"), "\(slow.stdout)\(slow.stderr)")
        #expect(elapsed < 20, "\(elapsed) s: the 30 s latency was waited for")
    }

    @Test func aFailedDryRunIsSaidOnce() throws {
        let repo = try GitFixture()
        repo.write("hosts/runner.json", """
        {"id": "\(Self.runner)", "name": "runner-1", "driver": "exec", "connection": {"env": {"TOKEN": {"env": "POLICYOPS_TEST_UNSET_TOKEN"}}}}
        """)
        repo.write("policies/flush.json", Self.policy("flush", host: Self.runner, type: "host", selector: "local",
                                                     action: #"{"capability_id": "exec.command", "verb": "run", "params": {"argv": ["/bin/true"]}}"#))
        try repo.commit("an exec host whose secret is not set")
        // The operator grants the secret and the program: what fails is the unset variable.
        let user = SystemUser.canCreate ? try SystemUser.create("po-plan-") : nil
        defer { user?.remove() }
        let operatorFiles = TemporaryDirectory("operator")
        operatorFiles.write("config.json", """
        {"secrets": {"runner-token": {"env": "POLICYOPS_TEST_UNSET_TOKEN", "hosts": ["\(Self.runner)"], "fields": ["env.TOKEN"]}},
         "exec": {"allow": ["/bin/true"]\(user.map { #", "user": "\#($0.name)""# } ?? "")}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["POLICYOPS_TEST_UNSET_TOKEN"] = nil
        let state = TemporaryDirectory("state")
        let plan = try Paths.policyops(["plan", "--repo", repo.path, "--state", state.path, "--config", operatorFiles.join("config.json")], environment: environment)
        #expect(plan.status == 3, "\(plan.stdout)\(plan.stderr)")
        let line = try #require(plan.stdout.split(separator: "\n").first { $0.contains("exec.command run on runner-1") })
        #expect(line.components(separatedBy: "is not set").count == 2, "said once: \(line)")
        #expect(line.contains("POLICYOPS_TEST_UNSET_TOKEN"), "\(line)")
    }
}
