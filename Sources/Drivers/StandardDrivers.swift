import Engine
import Policy

/// The drivers of a reconciler: `sim` hosts through a simulated world; the real drivers
/// where they are built. A host whose driver is missing gets no driver, which the engine
/// reports as an error that keeps its policies disabled.
public struct StandardDrivers: DriverRegistry {
    let sim: SimulatedDriver

    /// Drivers over the simulated world `world`.
    public init(world: any SimulatedWorld, clock: any EngineClock, simulatedWorkMilliseconds: Int64 = 0) {
        sim = SimulatedDriver(world: world, clock: clock, workMilliseconds: simulatedWorkMilliseconds)
    }

    public func driver(for host: HostDeclaration) -> (any Driver)? {
        switch host.driver {
        case .sim: return sim
        case .proxmox, .aoss, .webhook, .exec: return NotImplementedDriver(kind: host.driver)
        }
    }
}

/// A driver that is not built yet: it says so plainly in every answer.
public struct NotImplementedDriver: Driver {
    public let kind: DriverKind

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false,
                      problem: "the \(kind.rawValue) driver is not implemented yet", problemCode: .notImplemented)
    }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        .failure(.notImplemented, "the \(kind.rawValue) driver is not implemented yet")
    }

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        targets.map { TargetOutcome(targetID: $0.id, severity: .error, outcome: "failed", detail: "the \(kind.rawValue) driver is not implemented yet") }
    }
}
