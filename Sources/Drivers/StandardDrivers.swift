import Engine
import Policy
import Secrets

/// The drivers of a reconciler: `sim` hosts through a simulated world, the others through
/// their real APIs, with secrets resolved from `secrets` when a request needs them.
public struct StandardDrivers: DriverRegistry {
    let sim: SimulatedDriver
    let proxmox: ProxmoxDriver
    let webhook: WebhookDriver
    let exec: ExecDriver
    let aoss: AOSSDriver

    /// Drivers over the simulated world `world` and the real hosts.
    public init(world: any SimulatedWorld, clock: any EngineClock, simulatedWorkMilliseconds: Int64 = 0, secrets: Secrets = Secrets(),
                proxmoxTiming: ProxmoxDriver.Timing = .init(), aossTiming: AOSSDriver.Timing = .init()) {
        sim = SimulatedDriver(world: world, clock: clock, workMilliseconds: simulatedWorkMilliseconds)
        proxmox = ProxmoxDriver(secrets: secrets, clock: clock, timing: proxmoxTiming)
        webhook = WebhookDriver(secrets: secrets, clock: clock)
        exec = ExecDriver(secrets: secrets, clock: clock)
        aoss = AOSSDriver(secrets: secrets, clock: clock, timing: aossTiming)
    }

    public func driver(for host: HostDeclaration) -> (any Driver)? {
        switch host.driver {
        case .sim: return sim
        case .proxmox: return proxmox
        case .webhook: return webhook
        case .exec: return exec
        case .aoss: return aoss
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
