import Drivers
@testable import Engine
@testable import Policy
import Testing

/// Stale inventory and a refresh that failed in part are a warn (SPEC §4, §8) by one rule:
/// in `plan` and in the reconciler's decisions alike.
@Suite struct StaleInventoryTests {
    /// The sim driver, with a refresh that fails in part: the targets come back, marked stale
    /// with a vendor's message, as the Proxmox driver answers when its container list fails.
    struct PartlyFailing: DriverRegistry, Driver {
        let sim: SimulatedDriver
        var kind: DriverKind { .sim }
        func driver(for host: HostDeclaration) -> (any Driver)? { self }
        nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
            var inventory = await sim.refresh(host, full: full)
            inventory.stale = true
            inventory.problem = "part of the refresh of \(host.name) failed: the container list: answered 500 storage offline"
            inventory.problemCode = .partialRefresh
            return inventory
        }
        nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
            await sim.dryRun(host, action: action, targets: targets, inventory: inventory)
        }
        func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
            await sim.execute(host, action: action, targets: targets)
        }
    }

    @Test func aPartialRefreshIsAWarnInPlanAndInDecisions() async throws {
        let clock = ManualClock()
        let drivers = PartlyFailing(sim: SimulatedDriver(world: MemorySimulatedWorld(), clock: clock))
        let engine = Engine(drivers: drivers, clock: clock)
        let set = World.set(["off": World.policy("off")])
        await engine.apply(set)
        let plan = try #require(await engine.plan(set.policies).first)
        #expect(plan.severity == .warn && plan.findings.map(\.code) == [.partialRefresh], "\(plan.findings)")
        #expect(plan.findings.first?.message.contains("storage offline") == true)
        let event = Event(id: "e1", type: .upsState, kind: "on_battery", subject: Subject(kind: "ups", id: "ups-main"), attrs: ["state": "on_battery"], ts: clock.now())
        let decision = try #require(await engine.process(event).records.first { $0.kind == .decision })
        #expect(decision.severity == .warn, "\(decision.message)")
        #expect(decision.message.contains("storage offline") && decision.message.contains("PO5003"), "\(decision.message)")
        #expect(decision.details["code"]?.stringValue == "PO5003")
        #expect(decision.results.map(\.outcome) == ["scheduled", "scheduled", "scheduled"])
    }
}
