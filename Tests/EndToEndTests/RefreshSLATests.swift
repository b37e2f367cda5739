import Foundation
import Testing
import TestSupport

/// The fast refresh of a host keeps the dry-run's refresh SLA (5 s for `proxmox.vm`) even
/// when the host is slower: measured on the command a person runs, in a process of its own,
/// so the tests running beside it cannot stretch the clock.
@Suite struct RefreshSLATests {
    @Test func aSlowProxmoxNodeIsGivenUpOnAtTheSLA() throws {
        let dir = TemporaryDirectory("sla")
        let cert = try TestCertificate(in: dir)
        let token = "5b7e2c1a-9d4f-4e3b-8a6c-2f1d0e9c8b7a"
        let state: [String: Any] = [
            "nodes": [["node": "pve-1", "online": true]],
            "tokens": ["policyops@pve!ci": ["secret": token, "privileges": ["/vms": ["VM.Audit", "VM.PowerMgmt"]]]],
            "guests": [["node": "pve-1", "type": "qemu", "vmid": 104, "name": "web-1", "status": "running"]],
        ]
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: dir.join("pve.json")))
        let sim = try Simulator("proxmox_sim.py", ["--state", dir.join("pve.json")], tls: cert)
        let repo = try GitFixture()
        repo.write("hosts/pve-1.json", """
        {"id": "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62", "name": "pve-1", "driver": "proxmox",
         "connection": {"url": "\(sim.url)", "node": "pve-1", "token_id": "policyops@pve!ci", "token_secret": {"env": "PVE_TOKEN"},
                        "tls": {"fingerprint_sha256": "\(cert.fingerprint)"}}}
        """)
        repo.write("policies/pve.json", """
        {"version": 1, "name": "pve-off", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62", "target_type": "vm", "selector": {"mode": "list", "value": "104"}},
         "actions": [{"capability_id": "proxmox.vm", "verb": "shutdown"}]}
        """)
        try repo.commit("pve-1")
        // The operator lists the token for this host, and lets drivers reach the simulator on loopback.
        dir.write("config.json", """
        {"secrets": {"pve-token": {"env": "PVE_TOKEN", "hosts": ["8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"], "fields": ["token_secret"]}},
         "network": {"allow_loopback": true}}
        """)
        var environment = ProcessInfo.processInfo.environment
        environment["PVE_TOKEN"] = token
        let stateDir = TemporaryDirectory("state")
        let arguments = ["plan", "--repo", repo.path, "--state", stateDir.path, "--config", dir.join("config.json")]

        let fast = try Paths.policyops(arguments, environment: environment)
        #expect(fast.status == 0 && fast.stdout.contains("vm:104           running → stopped"), "\(fast.stdout)\(fast.stderr)")

        try sim.control("POST", "/_sim/state", ["delay_ms": 8000])
        let started = Date()
        let slow = try Paths.policyops(arguments, environment: environment)
        let elapsed = Date().timeIntervalSince(started)
        #expect(slow.status == 3 && slow.stdout.contains("did not answer in time"), "\(slow.status) \(slow.stdout)\(slow.stderr)")
        // Both lists (VMs and containers) are asked for at once, under one SLA: never 2 × 5 s,
        // never the 8 s the node takes.
        #expect(elapsed < 7.5, "\(elapsed) s")
    }
}
