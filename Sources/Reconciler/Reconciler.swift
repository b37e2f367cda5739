#if canImport(Glibc)
import Glibc
#endif
import Engine
import Git
import Hashing
import NUT
import Policy
import PolicyRepository
import Secrets
import Store

/// The reconcile loop (SPEC sections 6–10): watches a branch through libgit2, compiles
/// every new commit into IR and a manifest, applies the tip when it has no blocker, takes
/// events from the inbox and the scheduler, runs the engine, executes through the drivers,
/// and records every decision in the ledger. Killed at any instant, it starts again into a
/// consistent state: the ledger is the truth, the engine state a snapshot of it.
public actor Reconciler: RecordSink {
    let options: ReconcilerOptions
    let log: ReconcilerLog
    let signals: any ReconcilerSignals
    let clock: any EngineClock
    let lock: StateLock
    let ledger: Ledger
    let store: StateDirectory
    let inbox: Inbox
    let engine: Engine
    let scheduler: ExecutionScheduler
    /// The UPSes' upsd servers, watched while a commit that declares them is applied.
    let upsMonitor: UPSMonitor?
    var applied: AppliedCommit?
    var session: CompileSession?
    var status = ReconcilerStatus()
    var fatal: String?
    var recordsSinceSnapshot = 0
    /// The nudge FIFO's descriptor from recovery until the inbox watch takes it over.
    var nudgeFD: Int32 = -1
    /// Where signals, the FIFO, the inbox watch and appended records wake the loop.
    let wakeUps = WakeUps()
    /// Something `metrics.prom` shows may have changed since it was last written.
    var metricsChanged = true
    /// Writes `metrics.prom` and the inventory files when they change.
    var publisher: StatusPublisher
    /// When `metrics.prom` was last written, on the loop's clock.
    var lastMetricsWrite: Timestamp?
    var eventsTotal = 0
    var decisionsTotal = 0
    /// How long the last pass that found a new tip took (compile and apply or refuse).
    var lastPassSeconds = 0.0
    var passStarted = Timestamp(milliseconds: 0)
    var appliedCommitTime: Int64 = 0
    /// When disabled policies are dry-run again, and when each policy was last dry-run.
    var retries: RetrySchedule
    /// How long compiles, dry-runs and executions took, for `metrics.prom`.
    var compileSeconds = DurationHistogram()
    var dryRunSeconds = DurationHistogram()
    var executionSeconds = DurationHistogram()
    /// When each running job's `start` record was made durable.
    var executionStarted: [String: ContinuousClock.Instant] = [:]
    /// Inbox entries that could be neither moved aside nor removed (recorded once).
    var unremovable: Set<String> = []

    /// When the last full discovery ran, on the loop's clock.
    var lastDiscovery: Timestamp?

    /// When the engine next has something due; recomputed after every event and apply.
    var nextDue: Timestamp?
    var dueKnown = false

    /// Takes the state directory's lock and opens its ledger; throws when another
    /// reconciler holds it or the ledger is corrupt.
    public init(options: ReconcilerOptions, log: ReconcilerLog, signals: any ReconcilerSignals, clock: any EngineClock,
                drivers: any DriverRegistry, secrets: Secrets = Secrets()) throws {
        self.options = options
        self.log = log
        self.signals = signals
        self.clock = clock
        lock = try StateLock(stateDirectory: options.stateDirectory)
        let tightened = StateDirectory.makePrivate(options.stateDirectory)
        if !tightened.isEmpty {
            log.warn("tightened the modes of \(Plural.count(tightened.count, "path")) in the state directory to the reconciler's user only (0700 folders, 0600 files)",
                     ["state": options.stateDirectory, "first": tightened[0]])
        }
        try ClockMarker(timeScale: options.timeScale).claim(stateDirectory: options.stateDirectory)
        ledger = try Ledger(stateDirectory: options.stateDirectory)
        store = try StateDirectory(root: options.stateDirectory)
        publisher = StatusPublisher(stateDirectory: options.stateDirectory)
        retries = RetrySchedule(interval: options.retryInterval)
        inbox = Inbox(stateDirectory: options.stateDirectory)
        engine = Engine(drivers: drivers, clock: clock)
        let relay = RecordRelay()
        scheduler = ExecutionScheduler(drivers: drivers, clock: clock, sink: relay, maxConcurrency: options.maxConcurrency)
        if options.watchUPS {
            // The monitor's events go through the inbox like every other event: recorded,
            // then acted on, exactly once.
            let inbox = self.inbox, log = self.log
            upsMonitor = UPSMonitor(secrets: secrets, network: secrets.configuration.network, clock: clock, deadTimeSeconds: options.upsDeadTime,
                                    emit: { event in
                                        do { try inbox.put(event.json, id: event.id, milliseconds: event.ts.milliseconds) } catch {
                                            log.error("cannot drop a UPS event into the inbox", ["ups": event.subject.id, "error": "\(error)"])
                                        }
                                    },
                                    report: { r in
                                        if r.isProblem { log.warn(r.message, ["ups": r.ups]) } else { log.info(r.message, ["ups": r.ups]) }
                                    })
        } else {
            upsMonitor = nil
        }
        relay.connect(self)
    }

    // MARK: recording

    /// Appends records durably and applies them to the engine state (the engine applied
    /// the ones it made in `process` itself: `appliedByEngine`).
    public func record(_ records: [LedgerRecord]) async -> Bool { await record(records, appliedByEngine: false) }

    func record(_ records: [LedgerRecord], appliedByEngine: Bool) async -> Bool {
        guard fatal == nil else { return false }
        do {
            let (seqs, chain) = try await ledger.appendMarked(canonical: records.map(\.canonicalBytes))
            if appliedByEngine {
                await engine.recorded(through: seqs.last ?? 0, chain: chain)
            } else {
                await engine.apply(records, seqs: seqs, chain: chain)
            }
            recordsSinceSnapshot += records.count
            timeExecutions(records)
            metricsChanged = true
            if !records.isEmpty { wakeUps.fire(.recorded) }
            return true
        } catch {
            fatal = "cannot write the ledger: \(error)"
            log.error("cannot write the ledger; stopping so that nothing acts unrecorded", ["error": "\(error)"])
            return false
        }
    }

    /// An execution's time runs from its durable `start` record to its `execution` record.
    func timeExecutions(_ records: [LedgerRecord]) {
        for r in records where r.kind == .start || r.kind == .execution {
            guard let job = r.details["job_id"]?.stringValue else { continue }
            if r.kind == .start {
                executionStarted[job] = ContinuousClock.now
            } else if let started = executionStarted.removeValue(forKey: job) {
                executionSeconds.observe(since: started)
            }
        }
    }

    // MARK: the loop

    /// Runs until stopped (or one pass with `once`); returns how it stopped.
    public func run() async -> ReconcilerStopReason {
        do {
            try await recover()
        } catch {
            log.error("cannot start: \(error)")
            return .couldNotStart(message: "\(error)")
        }
        // The loop sleeps until something happens: a signal, a nudge, an inbox arrival, a
        // record appended, or the next deadline (poll, due timer, retry, discovery, re-scan).
        let wakeUps = self.wakeUps
        let watch = InboxWatch(folder: inbox.folder, nudgeDescriptor: nudgeFD,
                               onInbox: { wakeUps.fire(.inbox) }, onNudge: { wakeUps.fire(.nudge) })
        nudgeFD = -1
        let services = Task { await ServiceGroup([SignalIntake(signals: signals, wakeUps: wakeUps), watch]).run() }
        let loopClock = MonotonicClock()  // real time that never steps: the loop's own intervals
        var schedule = WakeSchedule(timeScale: options.timeScale ?? 1)
        var reasons: WakeReasons = [.wakeUp]
        while fatal == nil && !signals.stopRequested && !reasons.contains(.stop) {
            let hangUp = signals.takeWakeUp()
            if reasons.pollsNow || hangUp || schedule.nextPoll.map({ loopClock.now() >= $0 }) ?? true {
                await poll()
                schedule.nextPoll = loopClock.now().adding(milliseconds: Int64(options.pollInterval * 1000))
            }
            let rescan = schedule.nextRescan.map { loopClock.now() >= $0 } ?? true
            if reasons.contains(.inbox) || rescan || !watch.isWatching {
                if !watch.isWatching { watch.rewatch() }
                // A watch that holds makes the re-scan a rare safety net; without one the
                // inbox is looked at every second.
                if rescan || !watch.isWatching {
                    schedule.nextRescan = loopClock.now().adding(milliseconds: watch.isWatching ? Self.rescanMilliseconds : 1000)
                }
                if await processInbox() { wakeUps.fire(.inbox) }
            }
            await processDue()
            await retryDisabled()
            await discover()
            if recordsSinceSnapshot >= options.snapshotEvery { await snapshot() }
            // Changed metrics are written at once, and then at most once a second: a storm
            // of executions does not become a storm of fsyncs.
            schedule.nextMetrics = nil
            if metricsChanged {
                let now = loopClock.now()
                if let last = lastMetricsWrite, now.milliseconds - last.milliseconds < 1000, !options.once {
                    schedule.nextMetrics = last.adding(milliseconds: 1000)
                } else {
                    await writeMetrics()
                    lastMetricsWrite = now
                }
            }
            if options.once {
                await scheduler.drain()
                await processDue()
                await scheduler.drain()
                break
            }
            await plan(&schedule, loopNow: loopClock.now())
            let delay = schedule.delay(loopNow: loopClock.now(), engineNow: clock.now())
            reasons = await wakeUps.next(until: delay.map { ContinuousClock.now.advanced(by: .milliseconds($0)) })
        }
        services.cancel()
        await services.value
        upsMonitor?.stop()
        await scheduler.stop()
        await snapshot()
        await writeStatus()
        await writeInventories()
        await writeMetrics()
        await ledger.close()
        if let fatal {
            log.error("stopped: \(fatal)")
            return .ledgerUnwritable(message: fatal)
        }
        log.info("stopped", ["applied": applied?.commit ?? "none"])
        return .stopped
    }

    /// How often the inbox is read while its watch holds, in case an arrival was missed.
    static let rescanMilliseconds: Int64 = 30_000

    /// The engine-clock deadlines of the next pass: the engine's next due time, the next
    /// retry of disabled policies, the next discovery.
    func plan(_ schedule: inout WakeSchedule, loopNow: Timestamp) async {
        if !dueKnown {
            nextDue = await engine.nextDeadline(now: clock.now())
            dueKnown = true
        }
        schedule.nextDue = nextDue
        let disabled = await engine.disabledPolicies
        if applied != nil, !disabled.isEmpty {
            schedule.nextRetry = retries.nextRound(now: clock.now())
        } else {
            schedule.nextRetry = nil
        }
        if let set = applied?.set, !set.hosts.isEmpty {
            schedule.nextDiscovery = lastDiscovery.map { $0.adding(seconds: 60) } ?? loopNow
        } else {
            schedule.nextDiscovery = nil
        }
    }

}

/// Seconds with three decimals, for logs.
func format3(_ seconds: Double) -> String {
    let ms = Int64((seconds * 1000).rounded())
    let frac = String(ms % 1000)
    return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}

enum FileTreePath {
    static func absolute(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }
}

extension String {
    var trimmingCharacters: String {
        var s = self[...]
        while let l = s.last, l == "\n" || l == " " { s = s.dropLast() }
        return String(s)
    }
}
