import Foundation
import Testing
@testable import Engine
@testable import Policy

/// A query selector's `host.*` terms see the declared host (issue 8, item 18).
@Suite struct HostLabelQueryTests {
    static let labelledRack = World.rackHost.replacingOccurrences(of: #""driver": "sim","#, with: #""driver": "sim", "labels": {"site": "lab"},"#)

    func resolved(_ query: String, hosts: [String]) async throws -> [String] {
        let set = World.set(["by-host": World.policy("by-host", selector: #"{"mode": "query", "value": "\#(query)"}"#)], hosts: hosts)
        let harness = await Harness(set)
        let policy = try #require(set.policies.first)
        let inventory = HostInventory(hostID: World.rack, targets: [
            InventoryTarget(id: "vm:104", type: .vm, nativeID: "104", name: "web-1", state: "running", labels: ["tier": "web"]),
            InventoryTarget(id: "vm:107", type: .vm, nativeID: "107", name: "app-1", state: "running", labels: ["tier": "app", "site": "lab"]),
        ], refreshedAt: Timestamp(milliseconds: 0))
        return await harness.engine.resolve(policy, in: inventory).targets.map(\.id)
    }

    @Test func theHostsLabelSelectsItsTargets() async throws {
        #expect(try await resolved("host.label.site=lab and label.tier=web", hosts: [Self.labelledRack, World.poeHost]) == ["vm:104"])
        #expect(try await resolved("host.name=sim-rack-a", hosts: [Self.labelledRack, World.poeHost]) == ["vm:104", "vm:107"])
    }

    @Test func aTargetsOwnLabelIsNotTheHosts() async throws {
        // The host has no site label; vm:107's own site=lab does not count for host.label.site.
        #expect(try await resolved("host.label.site=lab", hosts: [World.rackHost, World.poeHost]).isEmpty)
    }
}
