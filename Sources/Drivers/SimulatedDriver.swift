import Engine
import Policy

/// The `sim` driver: a host whose state is data (a file under the state directory, or
/// memory), with injectable faults. It behaves as the real drivers do — refresh, dry-run
/// that changes nothing, execution that changes the targets — so demos and tests run the
/// real engine end to end anywhere.
///
/// Standing in for another kind of driver it is that host's simulated twin (`policyops
/// simulate`): it has the real driver's capabilities, keeps a switch's protected ports
/// unswitched as the real one does, and takes requests and commands for the endpoints
/// and hosts policies name without sending or running anything.
public struct SimulatedDriver: Driver {
    /// `sim`, or the kind of driver it stands in for.
    public let kind: DriverKind
    let world: any SimulatedWorld
    let clock: any EngineClock
    /// Per target and execution, how long the simulated work takes (besides faults' latency).
    let workMilliseconds: Int64

    /// A simulated driver; `kind` other than `sim` makes it a twin of that kind of host.
    public init(world: any SimulatedWorld, clock: any EngineClock, workMilliseconds: Int64 = 0, standingInFor kind: DriverKind = .sim) {
        self.kind = kind
        self.world = world
        self.clock = clock
        self.workMilliseconds = workMilliseconds
    }

    func delay(_ ms: Int64) async {
        if ms > 0 { try? await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000) }
    }

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        let state = world.load(host)
        let sla = host.refreshSLASeconds(default: capabilities.first?.dryRunRefreshSLASeconds ?? 5) * 1000
        // The fast refresh is given up at the SLA, as the real drivers' requests time out.
        if !full, state.faults.latencyMilliseconds > sla {
            await delay(sla)
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: "host \(host.name) did not answer in time: no inventory within the \(sla / 1000) s refresh SLA (simulated latency_ms \(state.faults.latencyMilliseconds))",
                                 problemCode: .hostUnreachable)
        }
        await delay(state.faults.latencyMilliseconds)
        if state.faults.unreachable {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: "host \(host.name) does not answer (simulated fault: unreachable)", problemCode: .hostUnreachable)
        }
        if state.faults.authDenied {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: "host \(host.name) refused the credentials (simulated fault: auth_denied)", problemCode: .authDenied)
        }
        return HostInventory(hostID: host.id, targets: state.targets, refreshedAt: clock.now())
    }

    /// The state a verb leaves a target in.
    static func desired(_ action: PlannedAction, from current: String) -> String {
        switch action.verb {
        case "start", "resume": return "running"
        case "shutdown", "stop", "suspend": return "stopped"
        case "reset", "reboot": return "running (restarted)"
        case "post": return "sent"
        case "run": return "ran"
        case "set":
            switch action.params["state"]?.stringValue {
            case "on": return "on"
            case "off": return "off"
            default: return "on (cycled)"
            }
        default: return current
        }
    }

    /// The state a target is left in, as inventories spell states (an endpoint or host
    /// named by a policy is ready for the next request or command).
    static func settled(_ desired: String) -> String {
        switch desired {
        case "sent", "ran": return "ready"
        default: return desired.hasPrefix("running") ? "running" : desired.hasPrefix("on") ? "on" : desired
        }
    }

    /// `sim sim-rack-a`, `proxmox twin pve-1`.
    func shown(_ host: HostDeclaration) -> String { kind == .sim ? "sim \(host.name)" : "\(kind.rawValue) twin \(host.name)" }

    /// Works from the inventory the engine just refreshed (which already says whether the
    /// host answers), so a dry-run of many policies reads the host once.
    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        var checks = [DryRunResult.Precondition(check: "host reachable", ok: inventory.reachable)]
        if !inventory.reachable {
            let code = inventory.problemCode == .authDenied ? DiagnosticCode.authDenied : .hostUnreachable
            return .failure(code, inventory.problem ?? "host \(host.name) does not answer", checks: checks)
        }
        checks.append(.init(check: "credentials accepted", ok: true))
        guard capabilities.contains(where: { $0.id == action.capability && $0.verb(action.verb) != nil }) else {
            return .failure(.capabilityMissing, "the \(kind.rawValue) driver has no \(action.capability) \(action.verb); validate the repository again", checks: checks)
        }
        let protected = ProtectedPorts(host)
        var effects: [DryRunResult.TargetEffect] = []
        var preview: [String] = []
        var refused: [String] = []
        for t in targets {
            let current = inventory.target(t.id)?.state ?? t.state
            if protected.contains(t) {
                effects.append(.init(id: t.id, from: current, to: current, note: "protected on \(host.name): never switched"))
                refused.append(t.id)
                continue
            }
            let to = Self.desired(action, from: current)
            effects.append(.init(id: t.id, from: current, to: to))
            if current != to { preview.append("\(shown(host)): \(action.verb) \(t.id) (\(current) → \(to))") }
        }
        checks.append(.init(check: "targets exist", ok: true, details: "\(targets.count) of \(targets.count)"))
        if !protected.isEmpty {
            checks.append(.init(check: "no protected port", ok: refused.isEmpty,
                                details: refused.isEmpty ? nil : refused.joined(separator: ", ") + " protected on \(host.name): never switched"))
        }
        let changing = effects.filter { !$0.isNoOp }.count
        return DryRunResult(ok: true, severity: refused.isEmpty ? .info : .warn, preconditions: checks, planKind: "api", preview: preview,
                            summary: "\(action.verb) \(changing) of \(Plural.count(targets.count, "target")) on \(host.name)", perTarget: effects)
    }

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        var outcomes: [TargetOutcome] = []
        let protected = ProtectedPorts(host)
        for t in targets {
            var state = world.load(host)
            let started = clock.now()
            await delay(state.faults.latencyMilliseconds + workMilliseconds)
            if state.faults.unreachable || state.faults.authDenied {
                outcomes.append(TargetOutcome(targetID: t.id, severity: .error, outcome: "failed",
                                              detail: state.faults.unreachable ? "host does not answer (simulated)" : "credentials refused (simulated)"))
                continue
            }
            if state.faults.failTargets.contains(t.id) {
                outcomes.append(TargetOutcome(targetID: t.id, severity: .error, outcome: "failed", detail: "the target failed the action (simulated)"))
                continue
            }
            if protected.contains(t) {
                outcomes.append(TargetOutcome(targetID: t.id, severity: .warn, outcome: "refused",
                                              detail: "\(t.id) is protected on \(host.name) and is never switched"))
                continue
            }
            if t.type.idForm == .name {
                // Endpoints and hosts are named by policies, not kept: a request or command is taken, not sent.
                let did = Self.desired(action, from: t.state)
                state.executions.append(.init(targetID: t.id, verb: action.verb, state: did, job: action.policyID, started: started, finished: clock.now()))
                if let failure = Self.saveFailure(state, world) {
                    outcomes.append(TargetOutcome(targetID: t.id, severity: .error, outcome: "failed", detail: failure))
                    continue
                }
                outcomes.append(TargetOutcome(targetID: t.id, severity: .info, outcome: "succeeded", detail: "\(did) (simulated; nothing left this machine)"))
                continue
            }
            guard let i = state.targets.firstIndex(where: { $0.id == t.id }) else {
                outcomes.append(TargetOutcome(targetID: t.id, severity: .error, outcome: "failed", detail: "no such target on \(host.name)"))
                continue
            }
            let to = Self.settled(Self.desired(action, from: state.targets[i].state))
            state.targets[i].state = to
            state.executions.append(.init(targetID: t.id, verb: action.verb, state: to, job: action.policyID, started: started, finished: clock.now()))
            if let failure = Self.saveFailure(state, world) {
                outcomes.append(TargetOutcome(targetID: t.id, severity: .error, outcome: "failed", detail: failure))
                continue
            }
            outcomes.append(TargetOutcome(targetID: t.id, severity: .info, outcome: "succeeded", detail: "now \(to)"))
        }
        return outcomes
    }

    /// Saves a host's state; nil when saved, else why not (a simulated action whose result
    /// is not kept did not happen, so it is a failure, never a success).
    static func saveFailure(_ state: SimulatedHostState, _ world: any SimulatedWorld) -> String? {
        do {
            try world.save(state)
            return nil
        } catch {
            return "cannot record the simulated state: \(error)"
        }
    }
}
