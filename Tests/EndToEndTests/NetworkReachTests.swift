import Foundation
import Testing
import TestSupport

/// Where a merged commit's hosts may point is what the operator's `network` section allows
/// (SPEC section 18), and what an endpoint answers stays out of the ledger. A listener on
/// every loopback address stands in for the attacker's server (or an internal endpoint).
@Suite(.serialized) struct NetworkReachTests {
    static let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"

    static func policy(host: String, type: String, value: String = "x", action: String) -> String {
        """
        {"version": 1, "name": "p-\(type)", "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "go"}]},
         "targets": {"host_id": "\(host)", "target_type": "\(type)", "selector": {"mode": "list", "value": "\(value)"}},
         "actions": [\(action)]}
        """
    }

    /// Hosts at `[::1]` and `2130706433` under an allow-list of every ordinary address: the
    /// plan says PO5014 for each, names the address and why, and nothing is sent.
    @Test func planRefusesLoopbackFormsUnderABroadAllowList() throws {
        let dir = TemporaryDirectory("reach")
        let listener = try Simulator("webhook_receiver.py", ["--bind", "::"])
        let repo = try GitFixture()
        repo.write("hosts/hook.json", """
        {"id": "\(Self.hook)", "name": "hook-1", "driver": "webhook", "connection": {"url": "http://[::1]:\(listener.port)/in"}}
        """)
        repo.write("hosts/pve.json", """
        {"id": "\(Self.pve)", "name": "pve-1", "driver": "proxmox",
         "connection": {"url": "http://2130706433:\(listener.port)", "node": "pve-1", "token_id": "policyops@pve!ci", "token_secret": {"secret": "pve-token"}}}
        """)
        repo.write("policies/hook.json", Self.policy(host: Self.hook, type: "endpoint", action: #"{"capability_id": "webhook.request", "verb": "post", "params": {"path": "/", "body": {}}}"#))
        repo.write("policies/pve.json", Self.policy(host: Self.pve, type: "vm", value: "104", action: #"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"confirm": true}}"#))
        try repo.commit("two hosts")
        dir.write("config.json", """
        {"secrets": {"pve-token": {"env": "PVE_TOKEN", "hosts": ["\(Self.pve)"], "fields": ["token_secret"]}},
         "network": {"allow": ["0.0.0.0/0", "::/0"]}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["PVE_TOKEN"] = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60"
        let plan = try Paths.policyops(["plan", "--repo", repo.path, "--config", dir.join("config.json")], environment: environment)
        #expect(plan.status == 3, "\(plan.stdout)\(plan.stderr)")
        let json = try Paths.policyops(["plan", "--repo", repo.path, "--config", dir.join("config.json"), "--format", "json"], environment: environment)
        #expect(json.stdout.components(separatedBy: "PO5014").count - 1 >= 2, "\(json.stdout)")
        #expect(plan.stdout.contains("::1 is loopback, refused unless the operator's configuration sets network.allow_loopback"), "\(plan.stdout)")
        #expect(plan.stdout.contains("127.0.0.1 is loopback"), "\(plan.stdout)")
        #expect(try listener.requests().isEmpty)
    }

    /// An internal endpoint answers 500 with a token in its body (and as base64 and hex): the
    /// ledger keeps the status line, never the body.
    @Test func anEndpointsBodyNeverReachesTheLedger() throws {
        let dir = TemporaryDirectory("reach")
        let receiver = try Simulator("webhook_receiver.py", [])
        let token = "tok-" + UUID().uuidString.lowercased()
        let bytes = Data(token.utf8)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        try receiver.control("POST", "/_sim/config", ["status": 500, "body": #"{"token":"\#(token)","b64":"\#(bytes.base64EncodedString())","hex":"\#(hex)"}"#])
        let repo = try GitFixture()
        repo.write("hosts/hook.json", """
        {"id": "\(Self.hook)", "name": "hook-1", "driver": "webhook",
         "connection": {"url": "\(receiver.url)/in", "headers": {"X-Api-Key": {"secret": "hook-key"}}}}
        """)
        repo.write("policies/hook.json", Self.policy(host: Self.hook, type: "endpoint", action: #"{"capability_id": "webhook.request", "verb": "post", "params": {"path": "/", "body": {}}}"#))
        try repo.commit("a notification")
        dir.write("config.json", """
        {"secrets": {"hook-key": {"env": "HOOK_KEY", "hosts": ["\(Self.hook)"], "fields": ["headers.X-Api-Key"]}},
         "network": {"allow_loopback": true}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["HOOK_KEY"] = token
        let state = TemporaryDirectory("state")
        let arguments = ["--repo", repo.path, "--state", state.path, "--config", dir.join("config.json"), "--once", "--no-nut"]
        let applied = try Paths.policyops(["reconcile"] + arguments, environment: environment)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "webhook.custom", "--attr", "name=go"]).status == 0)
        let ran = try Paths.policyops(["reconcile"] + arguments, environment: environment)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try receiver.requests().first?["header_map"].flatMap { ($0 as? [String: String])?["x-api-key"] } == token, "the request went out")
        let ledger = try Paths.policyops(["ledger", "--state", state.path, "--limit", "0", "--format", "json"])
        #expect(ledger.stdout.contains("HTTP 500 Internal Server Error"), "\(ledger.stdout)")
        for form in [token, bytes.base64EncodedString(), hex, "\\\"token\\\""] {
            #expect(!ledger.stdout.contains(form), "the ledger holds \(form)")
        }
    }
}
