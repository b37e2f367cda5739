import Drivers
import Engine
import Policy

/// Replays a trace against the policies of one commit on simulated twins of the hosts
/// (`policyops simulate`): the real engine and execution scheduler, a manual clock set to
/// each event's time, timers and holds firing at their moments in between, and drivers
/// that change only the twins. Nothing real is touched; the same inputs give the same
/// records.
public actor OutageReplay: RecordSink {
    let set: PolicySet
    let trace: Trace
    let clock: ManualClock
    let world: MemorySimulatedWorld
    let engine: Engine
    let scheduler: ExecutionScheduler
    var records: [LedgerRecord] = []
    var seq: Int64 = 0
    /// Hosts whose starting state came from nowhere (a real host the trace and the state
    /// directory say nothing about): their policies resolve no targets.
    var unknownHosts: [String] = []

    /// How long timers keep firing after the last event when the trace does not say.
    public static let defaultTail: Int64 = 3600

    /// A replay of `trace` against `set`; `known` gives hosts' starting state by host id
    /// (from a state directory), under what the trace itself gives.
    public init(set: PolicySet, trace: Trace, known: [String: SimulatedHostState] = [:]) {
        self.set = set
        self.trace = trace
        let start = trace.start ?? trace.events.first?.ts ?? Timestamp(milliseconds: 0)
        clock = ManualClock(start)
        let world = MemorySimulatedWorld()
        self.world = world
        let drivers = SimulatedTwins(world: world, clock: clock)
        engine = Engine(drivers: drivers, clock: clock)
        let relay = RecordRelay()
        scheduler = ExecutionScheduler(drivers: drivers, clock: clock, sink: relay, maxConcurrency: 4)
        let targeted = Set(set.policies.map(\.spec.targets.hostID))
        for host in set.hosts.values.sorted(by: { $0.id < $1.id }) {
            var state = trace.hosts[host.name] ?? trace.hosts[host.id] ?? known[host.id] ?? SimulatedHostState(declaration: host)
            state.hostID = host.id
            state.executions = []
            if state.targets.isEmpty, !(trace.hosts[host.name] != nil || trace.hosts[host.id] != nil || known[host.id] != nil),
               host.driver == .proxmox || host.driver == .aoss, targeted.contains(host.id) {
                unknownHosts.append(host.name)
            }
            world.set(state)
        }
        relay.connect(self)
    }

    /// Runs the replay and reports what happened.
    public func run() async -> ReplayReport {
        let before = set.hosts.values.map { world.load($0) }
        await applyCommit()
        for event in trace.events {
            await fireDue(through: event.ts)
            if clock.now() < event.ts { clock.set(event.ts) }
            await handle([event])
        }
        let until = trace.until ?? trace.events.last.map { $0.ts.adding(seconds: Self.defaultTail) } ?? clock.now()
        await fireDue(through: until)
        if clock.now() < until { clock.set(until) }
        let after = set.hosts.values.map { world.load($0) }
        return ReplayReport(commit: set.commit, start: trace.start ?? trace.events.first?.ts ?? until, until: until, events: trace.events.count,
                            ignored: trace.ignored, unknownHosts: unknownHosts.sorted(), records: records,
                            hosts: set.hosts.values.sorted { $0.name < $1.name }.map { host in
                                ReplayReport.HostChange(host: host, before: before.first { $0.hostID == host.id }?.targets ?? [],
                                                        after: after.first { $0.hostID == host.id }?.targets ?? [],
                                                        executions: after.first { $0.hostID == host.id }?.executions ?? [])
                            })
    }

    /// As the reconciler applies a commit: every policy dry-run (one that fails stays
    /// disabled), targets frozen for `dynamic_resolution: false`, then the commit record.
    func applyCommit() async {
        var set = self.set
        await engine.apply(set)
        let now = clock.now()
        let plans = await engine.plan(set.policies)
        var frozen: [String: [String]] = [:]
        for plan in plans {
            if let p = set.policy(plan.policyID), !p.spec.dynamicResolution { frozen[p.id] = plan.actions.first?.targets.map(\.id) ?? [] }
        }
        _ = await record(plans.map { LedgerRecord.dryRun($0, commit: set.commit, at: now) })
        for (id, targets) in frozen { set.freeze(id, targets: targets) }
        _ = await record([LedgerRecord(kind: .commit, ts: now, severity: .info, commit: set.commit,
                                       message: "applied \(String(set.commit.prefix(7))) for the replay: \(set.policies.count) active policies",
                                       details: .object(["status": .string("applied"), "active": .integer(Int64(set.policies.count)),
                                                         "frozen": .object(frozen.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .array($0.value.map(JSON.string))) })]))])
        await engine.apply(set)
        await scheduler.use(hosts: set.hosts, commit: set.commit)
    }

    /// Fires the timers and holds that fall due up to `end`, each at its own moment.
    func fireDue(through end: Timestamp) async {
        while let due = await engine.nextDeadline(now: clock.now()), due <= end {
            if clock.now() < due { clock.set(due) }
            let events = await engine.dueEvents(now: clock.now())
            // Nothing due after all (every due event already consumed): step past it.
            guard !events.isEmpty else {
                clock.advance(milliseconds: 1)
                continue
            }
            await handle(events)
        }
    }

    func handle(_ events: [Event]) async {
        let outcomes = await engine.process(events)
        _ = await record(outcomes.flatMap(\.records), appliedByEngine: true)
        let jobs = outcomes.flatMap(\.jobs)
        if !jobs.isEmpty {
            await scheduler.enqueue(jobs)
            await scheduler.drain()
        }
    }

    public func record(_ new: [LedgerRecord]) async -> Bool { await record(new, appliedByEngine: false) }

    func record(_ new: [LedgerRecord], appliedByEngine: Bool) async -> Bool {
        guard !new.isEmpty else { return true }
        let seqs = new.indices.map { seq + Int64($0) + 1 }
        seq += Int64(new.count)
        records += new
        if appliedByEngine { await engine.recorded(through: seq) } else { await engine.apply(new, seqs: seqs) }
        return true
    }
}
