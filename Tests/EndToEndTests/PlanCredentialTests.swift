import Foundation
import Testing
import TestSupport

/// A pull request that points a host at someone else's server must not make `plan` in CI
/// send that host's token there (SPEC section 18): a host whose declaration differs from the
/// base revision gets no credentials and no request, and the plan says why (PO5016).
@Suite struct PlanCredentialTests {
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
    static let other = "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d"

    static func host(id: String = pve, name: String = "pve-1", url: String, tls: String) -> String {
        """
        {"id": "\(id)", "name": "\(name)", "driver": "proxmox",
         "connection": {"url": "\(url)", "node": "pve-1", "token_id": "policyops@pve!ci", "token_secret": {"secret": "pve-token"}\(tls)}}
        """
    }

    static func policy(_ name: String, host: String) -> String {
        """
        {"version": 1, "name": "\(name)", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "\(host)", "target_type": "vm", "selector": {"mode": "list", "value": "104"}},
         "actions": [{"capability_id": "proxmox.vm", "verb": "shutdown"}]}
        """
    }

    @Test func aChangedHostGetsNoTokenAndThePlanSaysWhy() throws {
        let dir = TemporaryDirectory("plan-credentials")
        let cert = try TestCertificate(in: dir)
        let token = "tok-" + UUID().uuidString.lowercased()
        let state: [String: Any] = [
            "nodes": [["node": "pve-1", "online": true]],
            "tokens": ["policyops@pve!ci": ["secret": token, "privileges": ["/vms": ["VM.Audit", "VM.PowerMgmt"]]]],
            "guests": [["node": "pve-1", "type": "qemu", "vmid": 104, "name": "web-1", "status": "running"]],
        ]
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: dir.join("pve.json")))
        let pve = try Simulator("proxmox_sim.py", ["--state", dir.join("pve.json")], tls: cert)
        // The attacker's server: it records every request it gets.
        let attacker = try Simulator("webhook_receiver.py", [])
        dir.write("config.json", """
        {"secrets": {"pve-token": {"env": "PVE_TOKEN", "hosts": ["\(Self.pve)", "\(Self.other)"], "fields": ["token_secret"]}},
         "network": {"allow_loopback": true}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["PVE_TOKEN"] = token
        func plan(_ extra: [String] = []) throws -> ProcessResult {
            try Paths.policyops(["plan", "--repo", repo.path, "--config", dir.join("config.json")] + extra, environment: environment)
        }

        let repo = try GitFixture()
        repo.write("hosts/pve-1.json", Self.host(url: pve.url, tls: #", "tls": {"fingerprint_sha256": "\#(cert.fingerprint)"}"#))
        repo.write("policies/pve.json", Self.policy("pve-off", host: Self.pve))
        try repo.commit("pve-1")
        // On main itself nothing changed: the live dry-run runs with the token.
        let merged = try plan()
        #expect(merged.status == 0 && merged.stdout.contains("vm:104           running → stopped"), "\(merged.stdout)\(merged.stderr)")

        // The pull request: pve-1 now points at the attacker, without TLS; and a new host.
        _ = try repo.git(["checkout", "-q", "-b", "pr"])
        repo.write("hosts/pve-1.json", Self.host(url: attacker.url, tls: ""))
        repo.write("hosts/pve-2.json", Self.host(id: Self.other, name: "pve-2", url: attacker.url, tls: ""))
        repo.write("policies/pve-2.json", Self.policy("pve-2-off", host: Self.other))
        try repo.commit("point pve-1 elsewhere")
        let pr = try plan()
        #expect(pr.status == 0, "a withheld host is a warning: \(pr.stdout)\(pr.stderr)")
        #expect(pr.stdout.contains("warn PO5016: credentials withheld from pve-1: its connection changed since main"), "\(pr.stdout)")
        #expect(pr.stdout.contains("warn PO5016: credentials withheld from pve-2: the host is new since main"), "\(pr.stdout)")
        let contacted = try attacker.requests()
        #expect(contacted.isEmpty, "the attacker's server was contacted: \(contacted)")
        let json = try Paths.policyops(["plan", "--repo", repo.path, "--config", dir.join("config.json"), "--format", "json"], environment: environment)
        #expect(json.stdout.contains("PO5016") && !json.stdout.contains(token))
        #expect(try attacker.requests().isEmpty)

        // What the guard stops: planned against itself, the PR's plan hands the token over.
        _ = try plan(["--base", "pr"])
        let stolen = try attacker.requests()
        #expect(stolen.contains { (($0["header_map"] as? [String: Any])?["authorization"] as? String)?.contains(token) == true },
                "without the guard the token reaches the attacker: \(stolen)")

        // A base that does not exist is an environment error, not a silent full plan.
        let missing = try plan(["--base", "no-such-branch"])
        #expect(missing.status == 2 && missing.stderr.contains("--base no-such-branch is not a revision"), "\(missing.stderr)")
    }
}
