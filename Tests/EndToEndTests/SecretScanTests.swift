import Foundation
import Testing
import TestSupport

/// Secrets are resolved only when a request or command needs them, as the operator's
/// configuration grants them: after a full run of the reconciler against every real driver
/// (Proxmox and AOS-S simulators, a webhook receiver, a command that prints its secret), with
/// the configuration in place, no output, ledger record, log, IR, manifest, inventory, status
/// or metric holds any secret value, nor its base64 or hex form.
@Suite(.serialized) struct SecretScanTests {
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
    static let sw = "1e7a9c3f-4d8b-4a2e-9f6c-5b3d7e1a8c93"
    static let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    static let runner = "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f"

    @Test func noSecretReachesAnyOutput() throws {
        let dir = TemporaryDirectory("secrets")
        let cert = try TestCertificate(in: dir)
        func unique(_ label: String) -> String { "\(label)-\(UUID().uuidString.lowercased())" }
        let pveToken = unique("pve-token"), swPassword = unique("sw-password"), hookKey = unique("hmac-key")
        let hookAuth = "Bearer " + unique("auth"), hookPath = unique("path-token"), execToken = unique("exec-token")

        // The simulators know the credentials, as the real hosts would.
        let pveState: [String: Any] = [
            "nodes": [["node": "pve-1", "online": true]],
            "tokens": ["policyops@pve!ci": ["secret": pveToken, "privileges": ["/vms": ["VM.Audit", "VM.PowerMgmt"]]]],
            "guests": [["node": "pve-1", "type": "qemu", "vmid": 104, "name": "web-1", "status": "running", "task_seconds": 0.1],
                       ["node": "pve-1", "type": "qemu", "vmid": 105, "name": "web-2", "status": "running", "task_seconds": 0.1]],
        ]
        let swState: [String: Any] = ["username": "policyops", "password": swPassword, "session_seconds": 600,
                                      "ports": [["port_id": "1/1", "is_poe_enabled": true, "name": "ap-1"],
                                                ["port_id": "1/24", "is_poe_enabled": true, "name": "uplink"]]]
        try JSONSerialization.data(withJSONObject: pveState).write(to: URL(fileURLWithPath: dir.join("pve.json")))
        try JSONSerialization.data(withJSONObject: swState).write(to: URL(fileURLWithPath: dir.join("sw.json")))
        let proxmox = try Simulator("proxmox_sim.py", ["--state", dir.join("pve.json")], tls: cert)
        let aoss = try Simulator("aoss_sim.py", ["--state", dir.join("sw.json")], tls: cert)
        let receiver = try Simulator("webhook_receiver.py", [], tls: cert)
        dir.write("sw-password", swPassword + "\n")

        let repo = try GitFixture()
        let pin = cert.fingerprint
        repo.write("hosts/pve-1.json", """
        {"id": "\(Self.pve)", "name": "pve-1", "driver": "proxmox",
         "connection": {"url": "\(proxmox.url)", "node": "pve-1", "token_id": "policyops@pve!ci", "token_secret": {"secret": "pve1-token"},
                        "tls": {"fingerprint_sha256": "\(pin)"}}}
        """)
        repo.write("hosts/sw-core-1.json", """
        {"id": "\(Self.sw)", "name": "sw-core-1", "driver": "aoss",
         "connection": {"url": "\(aoss.url)", "username": "policyops", "password": {"secret": "sw-password"},
                        "protected_ports": ["1/24"], "tls": {"ca_file": "\(cert.certificate)"}}}
        """)
        repo.write("hosts/hook-1.json", """
        {"id": "\(Self.hook)", "name": "hook-1", "driver": "webhook",
         "connection": {"url": {"env": "HOOK_URL"}, "hmac_secret": {"secret": "hook-hmac"}, "headers": {"Authorization": {"secret": "hook-auth"}},
                        "tls": {"fingerprint_sha256": "\(pin)"}}}
        """)
        repo.write("hosts/runner-1.json", """
        {"id": "\(Self.runner)", "name": "runner-1", "driver": "exec", "connection": {"env": {"TOKEN": {"secret": "exec-token"}}}}
        """)
        repo.write("ups/ups-main.json", #"{"id": "ups-main", "nut": {"host": "127.0.0.1", "ups": "ups"}}"#)
        func policy(_ name: String, host: String, type: String, selector: String, action: String) -> String {
            """
            {"version": 1, "name": "\(name)", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
             "targets": {"host_id": "\(host)", "target_type": "\(type)", "selector": {"mode": "list", "value": "\(selector)"}},
             "actions": [\(action)]}
            """
        }
        repo.write("policies/pve.json", policy("pve-off", host: Self.pve, type: "vm", selector: "104-105",
                                               action: #"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 5}}"#))
        repo.write("policies/poe.json", policy("poe-off", host: Self.sw, type: "poe-port", selector: "1/1,1/24",
                                               action: #"{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "off", "confirm": true}}"#))
        repo.write("policies/hook.json", policy("page-ops", host: Self.hook, type: "endpoint", selector: "ops",
                                                action: #"{"capability_id": "webhook.request", "verb": "post", "params": {"path": "/power", "body": {"text": "on battery"}}}"#))
        repo.write("policies/exec.json", policy("flush", host: Self.runner, type: "host", selector: "local",
                                                action: #"{"capability_id": "exec.command", "verb": "run", "params": {"argv": ["/bin/sh", "-c", "echo token=$TOKEN; echo $TOKEN >&2"]}}"#))
        try repo.commit("every driver")

        // The operator grants each host its secrets, the runner its shell, and a user to run it as.
        let user = SystemUser.canCreate ? try SystemUser.create("po-scan-") : nil
        defer { user?.remove() }
        let config = dir.join("config.json")
        dir.write("config.json", """
        {"secrets": {
           "pve1-token": {"env": "PVE_TOKEN", "hosts": ["\(Self.pve)"], "fields": ["token_secret"]},
           "sw-password": {"file": "\(dir.join("sw-password"))", "hosts": ["\(Self.sw)"], "fields": ["password"]},
           "hook-url": {"env": "HOOK_URL", "hosts": ["\(Self.hook)"], "fields": ["url"]},
           "hook-hmac": {"env": "HOOK_HMAC", "hosts": ["\(Self.hook)"], "fields": ["hmac_secret"]},
           "hook-auth": {"env": "HOOK_AUTH", "hosts": ["\(Self.hook)"], "fields": ["headers.Authorization"]},
           "exec-token": {"env": "EXEC_TOKEN", "hosts": ["\(Self.runner)"], "fields": ["env.TOKEN"]}},
         "exec": {"allow": ["/bin/sh"]\(user.map { #", "user": "\#($0.name)""# } ?? "")},
         "network": {"allow_loopback": true}}
        """)

        var environment = ProcessInfo.processInfo.environment
        environment["PVE_TOKEN"] = pveToken
        environment["HOOK_HMAC"] = hookKey
        environment["HOOK_AUTH"] = hookAuth
        environment["HOOK_URL"] = receiver.url + "/hooks/" + hookPath
        environment["EXEC_TOKEN"] = execToken
        let secrets = [pveToken, swPassword, hookKey, hookAuth, hookPath, execToken]

        // The full run: apply (dry-runs against every host), an event, four executions.
        let state = TemporaryDirectory("state")
        let reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", repo.path, "--state", state.path, "--config", config, "--no-nut",
                                                                 "--interval", "0.2", "--log-format", "json"], environment: environment)
        func ledger(_ extra: [String] = []) throws -> [[String: Any]] {
            let r = try Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"] + extra)
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        }
        #expect(eventually { (try? ledger(["--kind", "commit"]).count) == 1 }, "\(reconciler.stderr)")
        let dryRuns = try ledger(["--kind", "dry-run"])
        #expect(dryRuns.count == 4 && dryRuns.allSatisfy { $0["severity"] as? String != "error" }, "\(dryRuns.map { $0["message"] ?? "" })")
        let emitted = try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(emitted.status == 0)
        #expect(eventually(timeout: 30) { (try? ledger(["--kind", "execution"]).count) == 4 }, "\(reconciler.stderr)")
        let executions = try ledger(["--kind", "execution"])
        let outcomes = executions.flatMap { ($0["results"] as? [[String: Any]] ?? []).map { "\($0["target_id"] ?? ""):\($0["outcome"] ?? "")" } }
        // The secrets worked: every request and command went through with them.
        #expect(Set(outcomes) == ["vm:104:succeeded", "vm:105:succeeded", "poe-port:1/1:succeeded", "endpoint:ops:succeeded", "host:local:succeeded"], "\(executions.map { $0["results"] ?? "" })")
        let got = try #require(try receiver.requests().first)
        #expect((got["path"] as? String)?.contains(hookPath) == true)
        #expect(((got["header_map"] as? [String: Any])?["authorization"] as? String) == hookAuth, "\(got)")
        let execDetail = executions.flatMap { $0["results"] as? [[String: Any]] ?? [] }.first { $0["target_id"] as? String == "host:local" }?["detail"] as? String
        #expect(execDetail?.contains("token=<secret>") == true, "\(execDetail ?? "")")
        reconciler.signal(SIGTERM)
        #expect(reconciler.wait() == 0)

        // Every output a person or a program reads.
        var outputs: [(String, String)] = [("reconcile stdout", reconciler.stdout), ("reconcile stderr", reconciler.stderr)]
        let commands: [[String]] = [
            ["validate", "--repo", repo.path], ["validate", "--repo", repo.path, "--format", "json"],
            ["plan", "--repo", repo.path, "--config", config], ["plan", "--repo", repo.path, "--config", config, "--format", "json"],
            ["plan", "--repo", repo.path, "--config", config, "--format", "markdown"],
            ["explain", "--repo", repo.path, "policies/hook.json"], ["explain", "--repo", repo.path, "policies/exec.json"],
            ["status", "--state", state.path], ["status", "--state", state.path, "--format", "json"],
            ["ledger", "--state", state.path, "--limit", "0"], ["ledger", "--state", state.path, "--limit", "0", "--format", "json"],
            ["inventory", "--repo", repo.path, "--state", state.path, "--config", config, "--host", "hook-1", "--refresh", "--format", "json"],
            ["inventory", "--repo", repo.path, "--state", state.path, "--config", config, "--host", "pve-1", "--refresh"],
            ["compile", "--repo", repo.path, "--state", dir.join("compiled"), "--format", "json"],
        ]
        for c in commands {
            let r = try Paths.policyops(c, environment: environment)
            outputs.append((c.joined(separator: " "), r.stdout + r.stderr))
        }
        // Every file the reconciler and compile wrote: ledger, snapshots, IR, manifests,
        // inventories, status, metrics.
        var files = 0
        for root in [state.path, dir.join("compiled")] {
            let walker = FileManager.default.enumerator(atPath: root)
            while let name = walker?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = root + "/" + name
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      let data = FileManager.default.contents(atPath: path) else { continue }
                files += 1
                outputs.append((path, String(decoding: data, as: UTF8.self)))
            }
        }
        #expect(files > 10)
        #expect(outputs.contains { $0.1.contains("token=<secret>") }, "the scan reads the ledger")
        // Each value as it is, and as base64 and hex: an encoding is the same secret.
        let forms = secrets.flatMap { secret -> [String] in
            let bytes = Data(secret.utf8)
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            return [secret, bytes.base64EncodedString(), String(bytes.base64EncodedString().prefix { $0 != "=" }), hex, hex.uppercased()]
        }
        for (source, text) in outputs {
            for form in forms {
                #expect(!text.contains(form), "\(source) holds a secret or its encoding")
            }
        }
    }
}
