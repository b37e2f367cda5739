import Engine
import Policy

/// Drivers that touch nothing real: every host, whatever its kind, is a simulated twin in
/// `world` with the capabilities of its own driver (`policyops simulate`).
public struct SimulatedTwins: DriverRegistry {
    let twins: [DriverKind: SimulatedDriver]

    /// Twins over `world`, their time from `clock`.
    public init(world: any SimulatedWorld, clock: any EngineClock) {
        twins = Dictionary(uniqueKeysWithValues: DriverKind.allCases.map { ($0, SimulatedDriver(world: world, clock: clock, standingInFor: $0)) })
    }

    public func driver(for host: HostDeclaration) -> (any Driver)? { twins[host.driver] }
}
