import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import HTTP
import Policy
import Secrets

/// The proxmox driver against `Tests/Simulators/proxmox_sim.py`, which answers Proxmox VE's
/// real requests with its real shapes, codes and texts, over HTTPS with a pinned certificate.
@Suite struct ProxmoxDriverTests {
    let dir = TemporaryDirectory()

    nonisolated(unsafe) static let state: [String: Any] = [
        "nodes": [["node": "pve-1", "online": true], ["node": "pve-2", "online": false]],
        "tokens": [
            "policyops@pve!ci": ["secret": "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60", "privileges": ["/vms": ["VM.Audit", "VM.PowerMgmt"]]],
            "audit@pve!ro": ["secret": "ro-secret-77", "privileges": ["/vms": ["VM.Audit"]]],
        ],
        "guests": [
            ["node": "pve-1", "type": "qemu", "vmid": 104, "name": "web-1", "status": "running", "tags": "web;prod", "task_seconds": 0.1],
            ["node": "pve-1", "type": "qemu", "vmid": 105, "name": "web-2", "status": "running", "tags": "web", "task_seconds": 0.1],
            ["node": "pve-1", "type": "qemu", "vmid": 106, "name": "web-3", "status": "stopped", "tags": "web", "task_seconds": 0.1],
            ["node": "pve-1", "type": "qemu", "vmid": 107, "name": "stubborn", "status": "running", "ignores_acpi": true, "task_seconds": 0.1],
            ["node": "pve-1", "type": "lxc", "vmid": 201, "name": "dns", "status": "running", "tags": "infra", "task_seconds": 0.1],
        ],
    ]

    func start() throws -> (Simulator, TestCertificate) {
        let cert = try TestCertificate(in: dir)
        let file = dir.join("pve.json")
        try JSONSerialization.data(withJSONObject: Self.state).write(to: URL(fileURLWithPath: file))
        return (try Simulator("proxmox_sim.py", ["--state", file], tls: cert), cert)
    }

    static func host(_ url: String, pin: [UInt8], node: String = "pve-1", token: String = "policyops@pve!ci") -> HostDeclaration {
        HostDeclaration(path: "hosts/pve-1.json", id: "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62", name: "pve-1", driver: .proxmox,
                        connection: .proxmox(url: .literal(url), node: .literal(node), tokenID: .literal(token), tokenSecret: .named("pve-token"),
                                             tls: TLSSettings(caFile: nil, fingerprintSHA256: pin, insecure: false)), labels: [:])
    }

    static func driver(_ secret: String = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60") -> ProxmoxDriver {
        var timing = ProxmoxDriver.Timing()
        timing.taskPollSeconds = 0.05
        timing.lockBackoffSeconds = 0.05
        timing.taskSeconds = 10
        return ProxmoxDriver(secrets: Grants.secrets([.init(name: "pve-token", value: secret, host: "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62", field: "token_secret")]), clock: ManualClock(), timing: timing)
    }

    static func action(_ verb: String, grace: Int64 = 1, force: Bool = false) -> PlannedAction {
        PlannedAction(policyID: "p", capability: "proxmox.vm", verb: verb,
                      params: .object(["grace_s": .integer(grace), "force": .bool(force), "confirm": .bool(true)]), keyHint: nil)
    }

    @Test func discoversGuestsAndRunsShutdownAsATask() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, pin: cert.sha256)
        let driver = Self.driver()
        let inventory = await driver.refresh(host, full: true)
        #expect(inventory.reachable && !inventory.stale)
        #expect(inventory.targets.map(\.id) == ["vm:104", "vm:105", "vm:106", "vm:107", "ct:201"])
        #expect(inventory.target("vm:104")?.labels == ["web": "true", "prod": "true"] && inventory.target("vm:104")?.name == "web-1")
        #expect(inventory.target("ct:201")?.type == .ct && inventory.target("vm:106")?.state == "stopped")
        let targets = ["vm:104", "vm:105", "vm:106"].compactMap { inventory.target($0) }
        let dry = await driver.dryRun(host, action: Self.action("shutdown", grace: 30), targets: targets, inventory: inventory)
        #expect(dry.ok && dry.severity == .info)
        #expect(dry.perTarget.map(\.to) == ["stopped", "stopped", "stopped"] && dry.perTarget[2].isNoOp)
        #expect(dry.preview == ["POST /nodes/pve-1/qemu/104/status/shutdown timeout=30 forceStop=0",
                                "POST /nodes/pve-1/qemu/105/status/shutdown timeout=30 forceStop=0"])
        // A dry-run reads; it changes nothing.
        #expect(try sim.requests().allSatisfy { $0["method"] as? String == "GET" })
        let done = await driver.execute(host, action: Self.action("shutdown", grace: 30), targets: Array(targets.prefix(2)))
        #expect(done.map(\.outcome) == ["succeeded", "succeeded"], "\(done)")
        let posts = try sim.requests().filter { $0["method"] as? String == "POST" }
        #expect(posts.map { $0["path"] as? String } == ["/api2/json/nodes/pve-1/qemu/104/status/shutdown", "/api2/json/nodes/pve-1/qemu/105/status/shutdown"])
        #expect(posts.allSatisfy { ($0["form"] as? [String: Any])?["timeout"] as? String == "30" && $0["authorization"] as? Bool == true })
        let after = await driver.refresh(host, full: false)
        #expect(after.target("vm:104")?.state == "stopped" && after.target("vm:105")?.state == "stopped")
        // Containers take their own path.
        let ct = await driver.execute(host, action: PlannedAction(policyID: "p", capability: "proxmox.ct", verb: "shutdown",
                                                                  params: .object(["grace_s": .integer(5), "force": .bool(false)]), keyHint: nil),
                                      targets: [after.target("ct:201")!])
        #expect(ct.first?.outcome == "succeeded")
    }

    @Test func tasksThatFailLocksGraceAndForce() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, pin: cert.sha256)
        let driver = Self.driver()
        let inventory = await driver.refresh(host, full: true)
        let stubborn = try #require(inventory.target("vm:107"))
        // The guest ignores ACPI: without force the task fails after the grace period...
        let refused = await driver.execute(host, action: Self.action("shutdown", grace: 1), targets: [stubborn])
        #expect(refused.first?.outcome == "failed" && refused.first?.detail?.contains("VM quit/powerdown failed - got timeout") == true, "\(refused)")
        // ...with force it is stopped when the grace period ends.
        let forced = await driver.execute(host, action: Self.action("shutdown", grace: 1, force: true), targets: [stubborn])
        #expect(forced.first?.outcome == "succeeded", "\(forced)")
        // A task that fails after its 200 answer.
        try sim.control("POST", "/_sim/state", ["guests": ["104": ["fail_task": "VM 104 qmp command 'system_reset' failed - unable to connect"]]])
        let failed = await driver.execute(host, action: Self.action("reset"), targets: [inventory.target("vm:104")!])
        #expect(failed.first?.outcome == "failed" && failed.first?.detail?.contains("unable to connect") == true, "\(failed)")
        // A locked VM: the task fails on the lock, the action waits and tries again.
        try sim.control("POST", "/_sim/state", ["guests": ["105": ["lock_attempts": 2]]])
        let locked = await driver.execute(host, action: Self.action("stop"), targets: [inventory.target("vm:105")!])
        #expect(locked.first?.outcome == "succeeded", "\(locked)")
        let stops = try sim.requests().filter { ($0["path"] as? String)?.hasSuffix("/105/status/stop") == true }
        #expect(stops.count == 3)
        // Starting a running VM: already in state, not a failure.
        let again = await driver.execute(host, action: Self.action("start"), targets: [inventory.target("vm:104")!])
        #expect(again.first?.outcome == "already-in-state", "\(again)")
    }

    @Test func refusalsAreClearErrors() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, pin: cert.sha256)
        // A wrong secret: 401, with Proxmox's reason.
        let denied = await Self.driver("wrong-secret").refresh(host, full: false)
        #expect(!denied.reachable && denied.problemCode == .authDenied && denied.problem?.contains("401 invalid token value!") == true, "\(denied.problem ?? "")")
        // A token without VM.PowerMgmt: the dry-run says which guests, before anything is sent.
        let readOnly = Self.host(sim.url, pin: cert.sha256, token: "audit@pve!ro")
        let ro = Self.driver("ro-secret-77")
        let inventory = await ro.refresh(readOnly, full: false)
        let dry = await ro.dryRun(readOnly, action: Self.action("shutdown"), targets: [inventory.target("vm:104")!], inventory: inventory)
        #expect(!dry.ok && dry.code == .authDenied && dry.reason?.contains("lacks VM.PowerMgmt on web-1 (vm:104)") == true, "\(dry.reason ?? "")")
        // Sent anyway: Proxmox's 403.
        let forbidden = await ro.execute(readOnly, action: Self.action("shutdown"), targets: [inventory.target("vm:104")!])
        #expect(forbidden.first?.detail?.contains("403 Permission check failed (/vms/104, VM.PowerMgmt)") == true, "\(forbidden)")
        // A node that is offline: 595.
        let offline = await Self.driver().refresh(Self.host(sim.url, pin: cert.sha256, node: "pve-2"), full: false)
        #expect(offline.problemCode == .hostUnreachable && offline.problem?.contains("595") == true, "\(offline.problem ?? "")")
        // Reboot of a stopped VM: Proxmox's 500 "not running" is nothing to do.
        let idle = await Self.driver().execute(host, action: Self.action("reboot"), targets: [inventory.target("vm:106")!])
        #expect(idle.first?.outcome == "already-in-state", "\(idle)")
        // The certificate is not the pinned one: nothing is sent, and the inventory says why.
        let other = try TestCertificate(in: dir, name: "other")
        let before = try sim.requests().count
        let wrongPin = await Self.driver().refresh(Self.host(sim.url, pin: other.sha256), full: false)
        #expect(!wrongPin.reachable && wrongPin.problem?.contains("not the pinned fingerprint") == true)
        #expect(try sim.requests().count == before)
        // Secrets never show.
        for text in [denied.problem, dry.reason, forbidden.first?.detail, wrongPin.problem] {
            #expect(!(text ?? "").contains("0c9a7f1e") && !(text ?? "").contains("ro-secret-77"))
        }
    }

    /// A node slower than the refresh SLA (5 s): the fast refresh gives up and says so; the
    /// engine then works from the last inventory, marked stale. (How long it takes is measured
    /// in a process of its own, by RefreshSLATests: tests beside this one share its threads.)
    @Test func aSlowNodeBeyondTheRefreshSLA() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, pin: cert.sha256)
        let driver = Self.driver()
        try sim.control("POST", "/_sim/state", ["delay_ms": 6000])
        let slow = await driver.refresh(host, full: false)
        #expect(!slow.reachable && slow.problem?.contains("did not answer in time") == true, "\(slow.problem ?? "")")
    }
}
