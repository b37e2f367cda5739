import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Policy
import Secrets

/// What dry-runs and refreshes report about the transport (plain http is not "TLS verified"),
/// a refresh that fails in part, and the refresh SLA a host may set for itself.
@Suite struct RefreshAndTransportTests {
    let dir = TemporaryDirectory()

    func proxmox(tls: Bool, _ patch: [String: Any] = [:]) throws -> (Simulator, TestCertificate?) {
        var state = ProxmoxDriverTests.state
        for (k, v) in patch { state[k] = v }
        let file = dir.join("pve.json")
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: file))
        let cert = tls ? try TestCertificate(in: dir) : nil
        return (try Simulator("proxmox_sim.py", ["--state", file], tls: cert), cert)
    }

    @Test func aPlainHTTPHostIsNotReportedAsTLSVerified() async throws {
        let (sim, _) = try proxmox(tls: false)
        #expect(sim.url.hasPrefix("http://"))
        let host = ProxmoxDriverTests.host(sim.url, pin: Array(repeating: 0xAB, count: 32))
        let driver = ProxmoxDriverTests.driver()
        let inventory = await driver.refresh(host, full: true)
        let dry = await driver.dryRun(host, action: ProxmoxDriverTests.action("shutdown"), targets: [try #require(inventory.target("vm:104"))], inventory: inventory)
        let tls = try #require(dry.preconditions.first { $0.check == "TLS verified" })
        #expect(!tls.ok && tls.details?.contains("plain http") == true, "\(tls)")
        #expect(dry.ok && dry.severity == .warn)
        // A webhook on plain http says the same.
        let receiver = try Simulator("webhook_receiver.py", [])
        let hook = WebhookDriverTests.host(url: receiver.url, pin: nil, hmac: nil)
        let post = await WebhookDriver(secrets: Grants.secrets([]), clock: ManualClock())
            .dryRun(hook, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint], inventory: HostInventory(hostID: hook.id, targets: [], refreshedAt: nil))
        #expect(post.preconditions.first { $0.check == "TLS verified" }?.ok == false && post.severity == .warn)
    }

    @Test func aPartialRefreshNamesThePartAndTheVendorsMessage() async throws {
        let (sim, cert) = try proxmox(tls: true, ["fail_lists": ["lxc": "unable to read lxc list: pmxcfs is not mounted"]])
        let host = ProxmoxDriverTests.host(sim.url, pin: try #require(cert).sha256)
        let inventory = await ProxmoxDriverTests.driver().refresh(host, full: false)
        #expect(inventory.reachable && inventory.stale && inventory.problemCode == .partialRefresh)
        #expect(inventory.targets.map(\.id) == ["vm:104", "vm:105", "vm:106", "vm:107"])
        let problem = inventory.problem ?? ""
        #expect(problem.contains("the container list (GET /nodes/pve-1/lxc)") && problem.contains("unable to read lxc list: pmxcfs is not mounted"), "\(problem)")
        let finding = try #require(inventory.staleFinding(hostName: host.name))
        #expect(finding.code == .partialRefresh && finding.code.severity == .warn && finding.message == problem)
    }

    /// `connection.refresh_sla` replaces the capability's 5 s for the fast refresh of one host.
    @Test func aHostsRefreshSLAIsTheOneTheFastRefreshKeeps() async throws {
        let (sim, cert) = try proxmox(tls: true, ["delay_ms": 1500])
        var host = ProxmoxDriverTests.host(sim.url, pin: try #require(cert).sha256)
        let driver = ProxmoxDriverTests.driver()
        host.refreshSLA = PolicyDuration(seconds: 1)
        let cut = await driver.refresh(host, full: false)
        #expect(!cut.reachable && cut.problem?.contains("did not answer in time") == true, "\(cut.problem ?? "")")
        host.refreshSLA = nil
        let kept = await driver.refresh(host, full: false)
        #expect(kept.reachable && kept.targets.count == 5, "\(kept.problem ?? "")")
    }

    /// A sim host slower than its SLA is given up on at the SLA, as the real drivers' requests
    /// time out, and says so. (How long it takes is measured in a process of its own, by
    /// PlanReportTests: in this one, tests beside it can hold its threads for minutes.)
    @Test func aSlowSimHostIsCutOffAtTheSLA() async throws {
        let world = MemorySimulatedWorld()
        var host = HostDeclaration(path: "hosts/sim.json", id: "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a", name: "lab", driver: .sim,
                                   connection: .sim(targets: [SimulatedTarget(id: "vm:1", targetType: .vm, nativeID: "1", name: "a", state: "running", labels: [:])]),
                                   labels: [:], refreshSLA: PolicyDuration(seconds: 1))
        var state = world.load(host)
        state.faults.latencyMilliseconds = 30_000
        world.set(state)
        let driver = SimulatedDriver(world: world, clock: ManualClock())
        let cut = await driver.refresh(host, full: false)
        #expect(!cut.reachable && cut.problemCode == .hostUnreachable && cut.problem?.contains("1 s refresh SLA") == true, "\(cut.problem ?? "")")
        host.refreshSLA = nil
        state.faults.latencyMilliseconds = 0
        world.set(state)
        #expect(await driver.refresh(host, full: false).reachable)
    }
}
