import Policy
import Synchronization

/// Where the scheduler makes its records durable. The reconciler appends them to the
/// ledger (and applies them to the engine state) before this returns.
public protocol RecordSink: Sendable {
    /// Appends records and returns true once they are durable; false when they could not
    /// be written (then nothing may act on them).
    func record(_ records: [LedgerRecord]) async -> Bool
}

/// Passes a scheduler's records to their owner, which creates the scheduler and so
/// cannot hand itself over before the scheduler exists.
public final class RecordRelay: RecordSink {
    private struct Link: ~Copyable { weak var target: (any RecordSink & AnyObject)? }
    private let link = Mutex(Link())

    public init() {}

    /// Where records go from now on.
    public func connect(_ target: any RecordSink & AnyObject) { link.withLock { $0.target = target } }

    public func record(_ records: [LedgerRecord]) async -> Bool {
        guard let target = link.withLock({ $0.target }) else { return false }
        return await target.record(records)
    }
}

/// Runs executions: one at a time per host (single flight), different hosts in parallel,
/// at most `maxConcurrency` at once, each host's jobs in the order they were decided.
/// Before a driver is called a `start` record is made durable, after it an `execution`
/// record: a job found started but not finished after a crash is never run again.
public actor ExecutionScheduler {
    let drivers: any DriverRegistry
    let clock: any EngineClock
    let sink: any RecordSink
    let maxConcurrency: Int
    var hosts: [String: HostDeclaration] = [:]
    var commit: String = ""
    var queues: [String: [ExecutionJob]] = [:]
    var busy: Set<String> = []
    var hostOrder: [String] = []
    var running = 0
    var waiters: [CheckedContinuation<Void, Never>] = []
    /// How many jobs ran, by severity of their outcome.
    public private(set) var executedBySeverity: [Severity: Int] = [:]

    public init(drivers: any DriverRegistry, clock: any EngineClock, sink: any RecordSink, maxConcurrency: Int) {
        self.drivers = drivers
        self.clock = clock
        self.sink = sink
        self.maxConcurrency = max(1, maxConcurrency)
    }

    /// The hosts jobs run on (from the applied commit).
    public func use(hosts: [String: HostDeclaration], commit: String) {
        self.hosts = hosts
        self.commit = commit
    }

    /// Jobs waiting, all hosts together.
    public var depth: Int { queues.values.reduce(0) { $0 + $1.count } + running }

    /// Queues jobs in order.
    public func enqueue(_ jobs: [ExecutionJob]) {
        for job in jobs {
            if queues[job.hostID] == nil { hostOrder.append(job.hostID) }
            queues[job.hostID, default: []].append(job)
        }
        pump()
    }

    var accepting = true

    /// Returns when no job is queued or running.
    public func drain() async {
        if depth == 0 { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Starts no more jobs and returns when the running ones have finished (SIGTERM). Jobs
    /// still queued stay in the ledger's decisions and resume after a restart.
    public func stop() async {
        accepting = false
        queues = [:]
        hostOrder = []
        if running == 0 { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func pump() {
        var progressed = true
        while accepting && running < maxConcurrency && progressed {
            progressed = false
            for host in hostOrder where !busy.contains(host) {
                guard running < maxConcurrency, var queue = queues[host], !queue.isEmpty else { continue }
                let job = queue.removeFirst()
                queues[host] = queue.isEmpty ? nil : queue
                if queue.isEmpty { hostOrder.removeAll { $0 == host } }
                busy.insert(host)
                running += 1
                progressed = true
                Task { await self.run(job) }
            }
        }
        if depth == 0 || (!accepting && running == 0) {
            let w = waiters
            waiters = []
            for c in w { c.resume() }
        }
    }

    func run(_ job: ExecutionJob) async {
        let outcome = await execute(job)
        let severity = outcome.results.map(\.severity).max() ?? .info
        executedBySeverity[severity, default: 0] += 1
        _ = await sink.record([outcome])
        busy.remove(job.hostID)
        running -= 1
        pump()
    }

    func execute(_ job: ExecutionJob) async -> LedgerRecord {
        let now = clock.now()
        func record(_ severity: Severity, _ outcome: String, _ message: String, _ results: [RecordResult]? = nil) -> LedgerRecord {
            LedgerRecord(kind: .execution, ts: clock.now(), severity: severity, policyID: job.action.policyID, commit: commit,
                         correlationID: job.correlationID, eventID: job.eventID,
                         results: results ?? job.targetIDs.map {
                             RecordResult(targetID: $0, capability: job.action.capability, verb: job.action.verb, severity: severity,
                                          outcome: outcome, idempotencyKey: job.keys[$0] ?? "", jobID: job.id)
                         },
                         message: message, details: .object(["job_id": .string(job.id), "host_id": .string(job.hostID)]))
        }
        if now.milliseconds - job.queuedAt.milliseconds > job.expiresAfterSeconds * 1000 {
            return record(.warn, "expired", "job \(job.id) waited longer than \(job.expiresAfterSeconds) s and was dropped, not run late")
        }
        guard let host = hosts[job.hostID], let driver = drivers.driver(for: host) else {
            return record(.error, "failed", "host \(job.hostID) or its driver is gone; nothing ran")
        }
        let started = await sink.record([LedgerRecord(kind: .start, ts: now, severity: .info, policyID: job.action.policyID, commit: commit,
                                        correlationID: job.correlationID, eventID: job.eventID,
                                        message: "\(job.action.capability) \(job.action.verb) on \(Plural.count(job.targetIDs.count, "target")) of \(host.name) starts",
                                        details: .object(["job_id": .string(job.id), "host_id": .string(job.hostID)]))])
        guard started else { return record(.error, "not-started", "the start of job \(job.id) could not be recorded; nothing ran") }
        let inventory = await driver.refresh(host, full: false)
        var targets: [InventoryTarget] = []
        var results: [RecordResult] = []
        for id in job.targetIDs {
            if let t = inventory.target(id) ?? (inventory.reachable ? InventoryTarget.named(id) : nil) {
                targets.append(t)
            } else {
                results.append(RecordResult(targetID: id, capability: job.action.capability, verb: job.action.verb, severity: .error,
                                            outcome: "failed", idempotencyKey: job.keys[id] ?? "", jobID: job.id,
                                            detail: inventory.reachable ? "the target is no longer in the host's inventory" : (inventory.problem ?? "host unreachable")))
            }
        }
        if !targets.isEmpty {
            for o in await driver.execute(host, action: job.action, targets: targets) {
                results.append(RecordResult(targetID: o.targetID, capability: job.action.capability, verb: job.action.verb, severity: o.severity,
                                            outcome: o.outcome, idempotencyKey: job.keys[o.targetID] ?? "", jobID: job.id, detail: o.detail))
            }
        }
        let failed = results.filter { $0.severity >= .error }.count
        let severity: Severity = failed > 0 ? .error : .info
        return record(severity, "", "\(job.action.capability) \(job.action.verb) on \(host.name): \(results.count - failed) succeeded, \(failed) failed", results)
    }
}
