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
