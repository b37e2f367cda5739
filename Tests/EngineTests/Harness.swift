import Drivers
import Hashing
@testable import Engine
@testable import Policy
import Synchronization

/// Policies and hosts for engine tests.
enum World {
    static let rack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
    static let poe = "5b9e2a7c-3d1f-4c8e-a6b4-7e2d9f1c3a51"
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"

    static let rackHost = """
    {"id": "\(rack)", "name": "sim-rack-a", "driver": "sim", "connection": {"targets": [
      {"id": "vm:101", "name": "dns-1", "state": "running", "labels": {"tier": "infra"}},
      {"id": "vm:104", "name": "web-1", "state": "running", "labels": {"tier": "web"}},
      {"id": "vm:105", "name": "web-2", "state": "running", "labels": {"tier": "web"}},
      {"id": "vm:106", "name": "web-3", "state": "running", "labels": {"tier": "web"}},
      {"id": "vm:107", "name": "app-1", "state": "running", "labels": {"tier": "app"}},
      {"id": "vm:108", "name": "app-2", "state": "stopped", "labels": {"tier": "app"}}]}}
    """
    static let poeHost = """
    {"id": "\(poe)", "name": "sim-poe-1", "driver": "sim", "connection": {"targets": [
      {"id": "poe-port:1/1", "name": "ap-1", "state": "on"}, {"id": "poe-port:1/2", "name": "ap-2", "state": "on"},
      {"id": "poe-port:1/A1", "name": "m-1", "state": "on"}, {"id": "poe-port:1/B2", "name": "m-2", "state": "on"}]}}
    """
    static let pveHost = """
    {"id": "\(pve)", "name": "pve-1", "driver": "proxmox", "connection": {"url": "https://pve-1:8006", "node": "pve-1",
     "token_id": "a@pve!b", "token_secret": {"env": "X"}}}
    """

    /// A policy text; `extra` adds or replaces top-level members.
    static func policy(_ name: String, trigger: String = #"{"type": "ups.state", "equals": "on_battery"}"#, logic: String = "ANY",
                       host: String = rack, type: String = "vm", selector: String = #"{"mode": "list", "value": "104-106"}"#,
                       action: String = #"{"capability_id": "sim.vm", "verb": "shutdown"}"#, extra: String = "") -> String {
        """
        {"version": 1, "name": "\(name)", \(extra.isEmpty ? "" : extra + ",")
         "trigger_group": {"logic": "\(logic)", "triggers": [\(trigger)]},
         "targets": {"host_id": "\(host)", "target_type": "\(type)", "selector": \(selector)},
         "actions": [\(action)]}
        """
    }

    /// A policy set compiled from texts, as the reconciler would apply it.
    static func set(_ policies: [String: String], hosts: [String] = [rackHost, poeHost, pveHost], timeZone: String = "UTC") -> PolicySet {
        var files = hosts.enumerated().map { RepositoryFile(path: "hosts/h\($0.offset).json", bytes: Array($0.element.utf8)) }
        files += policies.map { RepositoryFile(path: "policies/\($0.key).json", bytes: Array($0.value.utf8)) }
        let c = RepositoryCompiler().compile(settings: .standard, files: files)
        precondition(!c.hasBlocker, "\(c.diagnostics.filter { $0.severity == .blocker })")
        let runtime = c.policies.compactMap { e -> RuntimePolicy? in
            guard let spec = e.spec, let hash = e.hash else { return nil }
            return RuntimePolicy(path: e.path, compiled: CompiledPolicy(policyID: e.policyID, spec: spec, hash: hash, versionInt: 1), ir: "sha256:" + hash.hex)
        }
        return PolicySet(commit: "test", policies: runtime, hosts: c.hosts, ups: c.upsDeclarations, timeZone: timeZone)
    }

    static func id(_ name: String) -> String { PolicyIdentity.policyID(path: "policies/\(name).json") }
}

/// The engine with a manual clock, simulated hosts in memory and a ledger kept in memory;
/// executions run through the real scheduler.
actor Harness: RecordSink {
    let clock = ManualClock()
    let world = MemorySimulatedWorld()
    let engine: Engine
    let scheduler: ExecutionScheduler
    var records: [LedgerRecord] = []
    var seq: Int64 = 0
    var set: PolicySet
    var counter = 0

    /// `realTime` makes the simulated hosts stamp their executions with the system clock,
    /// so tests can see whether they overlapped.
    init(_ set: PolicySet, maxConcurrency: Int = 4, workMilliseconds: Int64 = 0, realTime: Bool = false) async {
        self.set = set
        let drivers = StandardDrivers(world: world, clock: realTime ? SystemClock() : clock, simulatedWorkMilliseconds: workMilliseconds)
        engine = Engine(drivers: drivers, clock: clock)
        let relay = RecordRelay()
        scheduler = ExecutionScheduler(drivers: drivers, clock: clock, sink: relay, maxConcurrency: maxConcurrency)
        relay.connect(self)
        await engine.apply(set)
        await scheduler.use(hosts: set.hosts, commit: set.commit)
        // As the reconciler does when it applies a commit.
        _ = await record([LedgerRecord(kind: .commit, ts: clock.now(), severity: .info, commit: set.commit, message: "applied",
                                       details: .object(["status": .string("applied"), "frozen": .object([])]))])
    }

    func record(_ new: [LedgerRecord]) async -> Bool { await record(new, appliedByEngine: false) }

    func record(_ new: [LedgerRecord], appliedByEngine: Bool) async -> Bool {
        let seqs = new.indices.map { seq + Int64($0) + 1 }
        seq += Int64(new.count)
        records += new
        if appliedByEngine { await engine.recorded(through: seq) } else { await engine.apply(new, seqs: seqs) }
        return true
    }

    /// The engine's state.
    var state: EngineState { get async { await engine.state } }

    /// Sends an event and waits for its executions; returns the records it made.
    @discardableResult
    func send(_ type: EventType, _ attrs: [String: String] = [:], subject: Subject = Subject(kind: "ups", id: "ups-main"), runJobs: Bool = true) async -> [LedgerRecord] {
        counter += 1
        let kind = attrs["state"] ?? attrs["name"] ?? attrs.keys.sorted().joined(separator: ",")
        let event = Event(id: "e\(counter)", type: type, kind: kind, subject: subject, attrs: attrs, ts: clock.now())
        return await process(event, runJobs: runJobs)
    }

    func process(_ event: Event, runJobs: Bool = true) async -> [LedgerRecord] {
        let before = records.count
        let outcome = await engine.process(event)
        _ = await record(outcome.records, appliedByEngine: true)
        await scheduler.enqueue(outcome.jobs)
        if runJobs { await scheduler.drain() }
        return Array(records[before...])
    }

    /// Advances the clock and handles whatever became due.
    @discardableResult
    func advance(seconds: Int64) async -> [LedgerRecord] {
        clock.advance(seconds: seconds)
        var out: [LedgerRecord] = []
        for e in await engine.dueEvents(now: clock.now()) {
            out += await process(e)
        }
        return out
    }

    func targetState(_ host: String, _ id: String) -> String? { world.state(host)?.targets.first { $0.id == id }?.state }

    func executions(_ host: String) -> [SimulatedHostState.Execution] { world.state(host)?.executions ?? [] }

    func injectFaults(_ host: HostDeclaration, _ change: (inout SimulatedHostState.Faults) -> Void) {
        var s = world.load(host)
        change(&s.faults)
        world.set(s)
    }

    func host(_ id: String) -> HostDeclaration { set.hosts[id]! }
}

extension Array where Element == LedgerRecord {
    var decisions: [LedgerRecord] { filter { $0.kind == .decision } }
    var executions: [LedgerRecord] { filter { $0.kind == .execution } }
    func outcomes(_ kind: RecordKind = .decision) -> [String] { filter { $0.kind == kind }.flatMap { $0.results.map(\.outcome) } }
}
