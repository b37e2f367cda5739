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
    /// The text last written to `metrics.prom`: an unchanged text is not written again.
    var lastMetrics: String?
    /// The bytes last written to each `inventory/<host>.json`.
    var lastInventories: [String: [UInt8]] = [:]
    var eventsTotal = 0
    var decisionsTotal = 0
    /// How long the last pass that found a new tip took (compile and apply or refuse).
    var lastPassSeconds = 0.0
    var passStarted = Timestamp(milliseconds: 0)
    var appliedCommitTime: Int64 = 0
    var lastRetry: Timestamp?
    /// When each policy was last dry-run (on apply or on retry): a retry leaves alone the
    /// ones dry-run less than `--retry` ago, so a pass never dry-runs a policy twice.
    var lastDryRun: [String: Timestamp] = [:]
    /// How long compiles, dry-runs and executions took, for `metrics.prom`.
    var compileSeconds = DurationHistogram()
    var dryRunSeconds = DurationHistogram()
    var executionSeconds = DurationHistogram()
    /// When each running job's `start` record was made durable.
    var executionStarted: [String: ContinuousClock.Instant] = [:]
    /// Inbox entries that could be neither moved aside nor removed (recorded once).
    var unremovable: Set<String> = []

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
        inbox = Inbox(stateDirectory: options.stateDirectory)
        engine = Engine(drivers: drivers, clock: clock)
        let relay = RecordRelay()
        scheduler = ExecutionScheduler(drivers: drivers, clock: clock, sink: relay, maxConcurrency: options.maxConcurrency)
        if options.watchUPS {
            // The monitor's events go through the inbox like every other event: recorded,
            // then acted on, exactly once.
            let inbox = self.inbox, log = self.log
            upsMonitor = UPSMonitor(secrets: secrets, clock: clock, deadTimeSeconds: options.upsDeadTime,
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
            if metricsChanged { await writeMetrics() }
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
            schedule.nextRetry = lastRetry.map { $0.adding(milliseconds: Int64(options.retryInterval * 1000)) } ?? clock.now()
        } else {
            schedule.nextRetry = nil
        }
        if let set = applied?.set, !set.hosts.isEmpty {
            schedule.nextDiscovery = lastDiscovery.map { $0.adding(seconds: 60) } ?? loopNow
        } else {
            schedule.nextDiscovery = nil
        }
    }

    // MARK: recovery

    func recover() async throws {
        let recovery = await ledger.recovery
        if recovery.cutBytes > 0 {
            log.warn("the ledger's last record was torn by a crash and was cut", ["segment": recovery.segment ?? "", "bytes": String(recovery.cutBytes)])
        }
        if let bytes = try AtomicFile.read(options.stateDirectory + "/status.json"), let json = JSON.parse(bytes) {
            status.restore(json)
        }
        // Before anything is appended: a ledger that lost its end must not be written on.
        var state = try await checkedSnapshot() ?? EngineState()
        if let bytes = try AtomicFile.read(options.stateDirectory + "/applied") {
            let commit = String(decoding: bytes, as: UTF8.self).trimmingCharacters
            let loaded = try await loadApplied(commit)
            await install(loaded)
            if let git = (try? RepositoryView.open(options.repository, requireGit: true))?.git, let id = ObjectID(hex: commit) {
                appliedCommitTime = (try? git.commit(id).time) ?? 0
            }
        }
        status.lastAttemptedRevision = lastAttemptedRevision()
        var replayed = 0
        // The latest time recorded, from the snapshot's last record on: the clock resumes
        // from it, so a wall clock that went back while stopped makes no negative age.
        var latest = state.latestStamp
        for entry in try Ledger.read(stateDirectory: options.stateDirectory, from: max(1, state.lastSeq)) {
            guard let record = LedgerRecord(json: entry.json) else { continue }
            if latest.map({ record.ts > $0 }) ?? true { latest = record.ts }
            guard entry.seq > state.lastSeq else { continue }
            state.apply(record, seq: entry.seq, set: applied?.set ?? .empty)
            state.mark(seq: entry.seq, chain: entry.chain)
            replayed += 1
        }
        if let latest { clock.resume(notBefore: latest) }
        await engine.restore(state)
        if let set = applied?.set { await refreeze(set, frozen: state.frozen) }
        var notes: [String] = []
        if recovery.cutBytes > 0 { notes.append("cut a torn ledger tail of \(Plural.count(recovery.cutBytes, "byte")) in \(recovery.segment ?? "")") }
        // Executions that started and never finished may or may not have happened: they are
        // recorded as interrupted and never run again (at most once).
        let interrupted = state.started.values.sorted { $0.id < $1.id }
        for job in interrupted {
            _ = await record([LedgerRecord(
                kind: .execution, ts: clock.now(), severity: .error, policyID: job.action.policyID, commit: applied?.commit,
                correlationID: job.correlationID, eventID: job.eventID,
                results: job.targetIDs.map {
                    RecordResult(targetID: $0, capability: job.action.capability, verb: job.action.verb, severity: .error,
                                 outcome: "interrupted", idempotencyKey: job.keys[$0] ?? "", jobID: job.id,
                                 detail: "the reconciler stopped while it ran; it is not run again")
                },
                message: "job \(job.id) was interrupted by a stop of the reconciler; not run again",
                details: .object(["job_id": .string(job.id), "host_id": .string(job.hostID)]))])
        }
        if !interrupted.isEmpty { notes.append(Plural.count(interrupted.count, "interrupted execution")) }
        // Inbox files of events already consumed are removed without acting again.
        var removed = 0
        for name in inbox.pending() {
            if let id = eventID(of: name), state.consumed[id] != nil {
                inbox.remove(name)
                removed += 1
            }
        }
        if removed > 0 { notes.append("\(Plural.count(removed, "inbox file")) of consumed events removed") }
        if !notes.isEmpty || replayed > 0 {
            _ = await record([LedgerRecord(kind: .recovery, ts: clock.now(), severity: recovery.cutBytes > 0 || !interrupted.isEmpty ? .warn : .info,
                                           commit: applied?.commit, message: "started: replayed \(Plural.count(replayed, "ledger record"))" + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")),
                                           details: .object(["replayed": .integer(Int64(replayed)), "cut_bytes": .integer(Int64(recovery.cutBytes)),
                                                             "interrupted": .integer(Int64(interrupted.count)), "inbox_removed": .integer(Int64(removed))]))])
        }
        await snapshot()
        let queued = await engine.queuedJobs
        if !queued.isEmpty {
            log.info("resuming queued executions", ["count": String(queued.count)])
            await scheduler.enqueue(queued)
        }
        nudgeFD = NudgeFIFO.open(stateDirectory: options.stateDirectory, repository: options.repository, log: log)
        log.info("started", ["state": options.stateDirectory, "applied": applied?.commit ?? "none", "replayed": String(replayed)])
    }

    func eventID(of inboxName: String) -> String? {
        guard let bytes = inbox.read(inboxName), let json = JSON.parse(bytes) else { return Inbox.eventID(fromName: inboxName) }
        return json["id"]?.stringValue ?? Inbox.eventID(fromName: inboxName)
    }

    func install(_ commit: AppliedCommit) async {
        var set = commit.set
        for (id, targets) in await engine.frozenTargets { set.freeze(id, targets: targets) }
        applied = AppliedCommit(commit: commit.commit, entries: commit.entries, set: set)
        await engine.apply(set)
        await scheduler.use(hosts: set.hosts, commit: commit.commit)
        upsMonitor?.watch(set.ups)
        status.lastAppliedRevision = commit.commit
    }

    func refreeze(_ set: PolicySet, frozen: [String: [String]]) async {
        var set = set
        for (id, targets) in frozen { set.freeze(id, targets: targets) }
        applied?.set = set
        await engine.apply(set)
    }

    // MARK: git

    /// Polls the branch: compiles every new commit since the applied one and applies the
    /// tip when it has no blocker.
    func poll() async {
        passStarted = MonotonicClock().now()
        let view: RepositoryView
        let tip: ObjectID
        do {
            // A fresh handle each poll: a long-lived one would keep packs that gc removed.
            view = try RepositoryView.open(options.repository, requireGit: true)
            guard let git = view.git else { return }
            if let ref = try git.referenceTarget("refs/heads/" + options.branch) {
                tip = try git.resolveCommit(ref.hex)
            } else {
                tip = try git.resolveCommit(options.branch)
            }
        } catch {
            await stall("RepositoryUnreadable", "cannot read branch \(options.branch) of \(options.repository): \(error)")
            return
        }
        if tip.hex == status.lastAttemptedRevision { return }
        defer { lastPassSeconds = MonotonicClock().now().seconds(since: passStarted) }
        status.set("Reconciling", true, reason: "Progressing", message: "compiling \(tip.short)", now: clock.now())
        if session == nil { session = CompileSession(view: view) } else { session!.view = view }
        do {
            for id in try commitsToCompile(tip: tip, view: view) where id != tip {
                let started = ContinuousClock.now
                let result = try session!.compile(id)
                compileSeconds.observe(since: started)
                try store.store(result.manifest, commit: id.hex)
                log.info("compiled", ["commit": id.short, "blockers": String(result.compilation.diagnostics.filter { $0.severity == .blocker }.count)])
            }
            let started = ContinuousClock.now
            let result = try session!.compile(tip)
            compileSeconds.observe(since: started)
            try store.store(result.manifest, commit: tip.hex)
            status.lastAttemptedRevision = tip.hex
            if result.compilation.hasBlocker {
                await refuse(result)
            } else {
                await apply(result)
            }
        } catch {
            await stall("CompileFailed", "cannot compile \(tip.short): \(error)")
        }
        status.set("Reconciling", false, reason: "Idle", message: "waiting for the next commit", now: clock.now())
        await writeStatus()
    }

    /// The commits since the applied one along the first-parent chain, oldest first; just
    /// the tip after a force push or a rewind.
    func commitsToCompile(tip: ObjectID, view: RepositoryView) throws -> [ObjectID] {
        guard let git = view.git else { return [tip] }
        guard let applied = applied?.commit, let base = ObjectID(hex: applied) else { return [tip] }
        var chain: [ObjectID] = []
        for id in try git.firstParentHistory(from: tip).prefix(1000) {
            if id == base { return chain.reversed() }
            chain.append(id)
        }
        return [tip]
    }

    func stall(_ reason: String, _ message: String) async {
        log.error(message)
        status.set("Stalled", true, reason: reason, message: message, now: clock.now())
        status.set("Ready", false, reason: reason, message: message, now: clock.now())
        await writeStatus()
    }

    func refuse(_ result: CommitCompilation) async {
        let blockers = result.compilation.diagnostics.filter { $0.severity == .blocker }
        let first = blockers.first.map { "\($0.file):\($0.line):\($0.column): \($0.code.rawValue) \($0.message)" } ?? ""
        let message = "commit \(result.commit.id.short) \"\(result.commit.summary)\" has \(Plural.count(blockers.count, "blocker")) and is not applied; \(applied.map { "keeping \(String($0.commit.prefix(7)))" } ?? "nothing is applied"). First: \(first)"
        _ = await record([LedgerRecord(kind: .commit, ts: clock.now(), severity: .blocker, commit: result.commit.id.hex, message: message,
                                       details: .object(["status": .string("refused"), "blockers": .integer(Int64(blockers.count)),
                                                         "diagnostics": .array(blockers.prefix(20).map(\.json))]))])
        await stall("BlockersFound", message)
    }

    func apply(_ result: CommitCompilation) async {
        let commit = result.commit.id.hex
        let entries = result.manifest.entries
        let old = applied?.set ?? .empty
        // The policies that did not change keep their place in the previous set's order
        // (so the set's sort has little to do); the new and changed ones follow.
        var policies: [RuntimePolicy] = []
        var changed: [RuntimePolicy] = []
        var kept = [Bool](repeating: false, count: entries.count)
        policies.reserveCapacity(entries.count)
        for previous in old.policies {
            guard let i = result.manifest.entryIndex(path: previous.path), entries[i].status == .compiled,
                  entries[i].policyID == previous.id, entries[i].ir == previous.ir else { continue }
            policies.append(previous)
            kept[i] = true
        }
        for (i, e) in entries.enumerated() where e.status == .compiled && !kept[i] {
            guard let compiled = result.manifest.compiled[i], let ir = e.ir else { continue }
            let p = RuntimePolicy(path: e.path, compiled: compiled, ir: ir)
            policies.append(p)
            changed.append(p)
        }
        var set = PolicySet(commit: commit, policies: policies, hosts: result.compilation.hosts, ups: result.compilation.upsDeclarations,
                            timeZone: result.compilation.settings.timeZone)
        await engine.apply(set)
        let now = clock.now()
        var removed: [LedgerRecord] = []
        for p in old.policies where set.policy(p.id) == nil {
            // Still in the commit (disabled, or invalid), or removed from it.
            let gone = result.manifest.entryIndex(path: p.path).map { entries[$0].status == .invalid || entries[$0].policyID != p.id } ?? true
            removed.append(LedgerRecord(kind: .policyRemoved, ts: now, severity: .info, policyID: p.id, commit: commit,
                                        message: gone ? "\(p.spec.name) (\(p.path)) was removed: it stops" : "\(p.spec.name) (\(p.path)) is disabled in the spec: it stops",
                                        details: .object(["path": .string(p.path), "name": .string(p.spec.name)])))
        }
        guard await record(removed) else { return }
        // Changed and new policies are dry-run now; an error keeps them disabled until a
        // later dry-run passes. In slices, each recorded as it comes: ten thousand dry-run
        // transcripts held at once would double the reconciler's memory.
        // Targets frozen for `dynamic_resolution: false`: the changed policies' come from
        // their dry-run now; the others keep theirs. The commit record says what changed.
        let frozenBefore = await engine.frozenTargets
        var frozen: [String: [String]] = [:]
        var unfrozen = frozenBefore.keys.filter { set.policy($0) == nil }
        for start in stride(from: 0, to: changed.count, by: 256) {
            let plans = await dryRun(Array(changed[start..<min(start + 256, changed.count)]), at: now)
            for plan in plans {
                guard let p = set.policy(plan.policyID) else { continue }
                if !p.spec.dynamicResolution {
                    frozen[p.id] = plan.actions.first?.targets.map(\.id) ?? []
                } else if frozenBefore[p.id] != nil {
                    unfrozen.append(p.id)
                }
            }
            guard await record(plans.map { LedgerRecord.dryRun($0, commit: commit, at: now) }) else { return }
        }
        for (id, targets) in frozen { set.freeze(id, targets: targets) }
        let previous = applied
        applied = AppliedCommit(commit: commit, entries: entries, set: set)
        lastDryRun = lastDryRun.filter { set.policy($0.key) != nil }
        // Counted as `status` lists them: a policy its dry-run disabled is not active.
        let lines = policyLines(entries, disabled: await engine.disabledPolicies)
        let count = { (status: String) in Int64(lines.filter { $0.status == status }.count) }
        // The commit record last: a crash before it leaves the previous commit applied,
        // and the next start applies this one again.
        guard await record([LedgerRecord(
            kind: .commit, ts: now, severity: .info, commit: commit,
            message: "applied \(result.commit.id.short) \"\(result.commit.summary)\": \(ReconcilerStatus.summary(lines)), \(changed.count) new or changed",
            details: .object(["status": .string("applied"), "active": .integer(count("active")), "disabled": .integer(count("disabled")),
                              "invalid": .integer(count("invalid")), "changed": .integer(Int64(changed.count)),
                              "frozen": .object(frozen.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .array($0.value.map(JSON.string))) }),
                              "unfrozen": .array(unfrozen.sorted().map(JSON.string))]))]) else {
            applied = previous
            return
        }
        do {
            try AtomicFile.write(Array(commit.utf8), to: options.stateDirectory + "/applied")
        } catch {
            await stall("StateUnwritable", "cannot write \(options.stateDirectory)/applied: \(error)")
            return
        }
        await engine.apply(set)
        dueKnown = false
        await scheduler.use(hosts: set.hosts, commit: commit)
        upsMonitor?.watch(set.ups)
        appliedCommitTime = result.commit.time
        status.lastAppliedRevision = commit
        status.set("Ready", true, reason: "Applied", message: ReconcilerStatus.readyMessage(commit: commit, lines), now: now)
        status.set("Stalled", false, reason: "Applied", message: "", now: now)
        log.info("applied", ["commit": result.commit.id.short, "active": String(count("active")), "disabled": String(count("disabled")), "changed": String(changed.count),
                             "seconds": format3(MonotonicClock().now().seconds(since: passStarted))])
        await writeInventories()
    }

    var lastDiscovery: Timestamp?

    /// Full discovery of every host in the background of the loop, once a minute (and at
    /// every apply), so `inventory/` and `inventory search` stay current.
    func discover() async {
        guard let set = applied?.set else { return }
        let now = MonotonicClock().now()
        if let last = lastDiscovery, now.seconds(since: last) < 60 { return }
        lastDiscovery = now
        for id in set.hosts.keys.sorted() { _ = await engine.refresh(id, full: true) }
        await writeInventories()
    }

    /// The inventory snapshots of `inventory/<host>.json` (SPEC section 8).
    func writeInventories() async {
        let folder = options.stateDirectory + "/inventory"
        try? AtomicFile.makeFolders(folder)
        for (id, inventory) in await engine.inventories {
            var json = inventory.json
            if case .object(var members) = json, let name = applied?.set.hosts[id]?.name {
                members.insert(.init("host_name", .string(name)), at: 1)
                json = .object(members)
            }
            let bytes = Array(json.pretty().utf8)
            guard lastInventories[id] != bytes else { continue }
            if (try? AtomicFile.write(bytes, to: "\(folder)/\(id).json")) != nil { lastInventories[id] = bytes }
        }
    }

    /// Dry-runs the disabled policies again now and then; one that passes is enabled again.
    func retryDisabled() async {
        let disabled = await engine.disabledPolicies
        guard let set = applied?.set, !disabled.isEmpty else { return }
        let now = clock.now()
        if let last = lastRetry, now.seconds(since: last) < options.retryInterval { return }
        lastRetry = now
        // One dry-run less than an interval ago (on apply, maybe in this very pass) is recent enough.
        let due = disabled.keys.sorted().filter { id in lastDryRun[id].map { now.seconds(since: $0) >= options.retryInterval } ?? true }
        let policies = due.compactMap { set.policy($0) }
        guard !policies.isEmpty else { return }
        let plans = await dryRun(policies, at: now)
        _ = await record(plans.map { LedgerRecord.dryRun($0, commit: set.commit, at: now) })
        for plan in plans where plan.severity < .error { log.info("dry-run passes again: enabled", ["policy": plan.name]) }
        await writeStatus()
    }

    /// Dry-runs policies through the engine, timed, and notes when each was dry-run.
    func dryRun(_ policies: [RuntimePolicy], at now: Timestamp) async -> [PolicyPlan] {
        let started = ContinuousClock.now
        let plans = await engine.plan(policies)
        dryRunSeconds.observe(since: started)
        for p in policies { lastDryRun[p.id] = now }
        return plans
    }

    // MARK: events

    /// Takes up to 500 inbox entries; true when more wait (the loop comes back at once).
    @discardableResult
    func processInbox() async -> Bool {
        let names: [String]
        do {
            names = try inbox.waiting()
        } catch {
            // Stalled says so (again after an apply cleared it) until the inbox reads again;
            // a stall for another reason (a blocked tip) is not overwritten.
            if status.conditions["Stalled"]?.status != true {
                await stall("InboxUnreadable", "\(error); no event is consumed until the reconciler's user can read it")
            }
            return false
        }
        if let stalled = status.conditions["Stalled"], stalled.status, stalled.reason == "InboxUnreadable" {
            log.info("the inbox is readable again", ["inbox": inbox.folder])
            status.set("Stalled", false, reason: "InboxReadable", message: "", now: clock.now())
            if let applied {
                status.set("Ready", true, reason: "Applied", message: ReconcilerStatus.readyMessage(commit: applied.commit, status.policies), now: clock.now())
            } else {
                status.set("Ready", false, reason: "Initializing", message: "no commit applied yet", now: clock.now())
            }
            await writeStatus()
        }
        let candidates = names.filter { !unremovable.contains($0) }
        for name in candidates.prefix(500) {
            guard fatal == nil, !signals.stopRequested else { return false }
            let bytes: [UInt8]
            switch inbox.take(name) {
            case .vanished: continue
            case .file(let b): bytes = b
            case .refused(let reason):
                let done = inbox.reject(name)
                if done == nil { unremovable.insert(name) }
                let disposition = done ?? "left in place: it could be neither moved aside nor removed"
                _ = await record([LedgerRecord(kind: .event, ts: clock.now(), severity: .error,
                                               message: "inbox entry \(name) rejected: \(reason); \(disposition)",
                                               details: .object(["file": .string(name), "reason": .string(reason), "disposition": .string(disposition)]))])
                continue
            }
            guard let json = JSON.parse(bytes), var event = Event(json: json) else {
                inbox.reject(name)
                _ = await record([LedgerRecord(kind: .event, ts: clock.now(), severity: .error, message: "inbox file \(name) is not an event; moved to inbox/rejected/",
                                               details: .object(["file": .string(name)]))])
                continue
            }
            if await engine.hasConsumed(event.id) {
                inbox.remove(name)
                continue
            }
            do {
                event = try event.validated()
            } catch {
                inbox.reject(name)
                _ = await record([LedgerRecord(kind: .event, ts: clock.now(), severity: .error, correlationID: event.correlationID, eventID: event.id,
                                               message: "event \(event.id) refused: \(error.message); moved to inbox/rejected/",
                                               details: .object(["file": .string(name)]))])
                continue
            }
            // The engine's clock decides when things happen; the sender's time is kept.
            event.attrs["emitted_at"] = event.ts.iso8601
            event.ts = clock.now()
            if event.subject.kind.isEmpty, let ups = applied?.set.primaryUPS, event.type == .upsState || event.type == .metric {
                event.subject = Subject(kind: "ups", id: ups)
            }
            guard await handle(event) else { return false }
            inbox.remove(name)
        }
        return candidates.count > 500
    }

    /// Decides, records, and only then queues the executions.
    func handle(_ event: Event) async -> Bool { await handle([event]) }

    /// Events that happen at the same moment are decided together (one inventory refresh
    /// per host) and recorded in one append (one fsync).
    func handle(_ events: [Event]) async -> Bool {
        dueKnown = false
        let outcomes = await engine.process(events)
        let records = outcomes.flatMap(\.records)
        guard await record(records, appliedByEngine: true) else { return false }
        eventsTotal += events.count
        decisionsTotal += records.count - events.count
        for (event, outcome) in zip(events, outcomes) {
            for r in outcome.records where r.kind == .decision {
                log.log(r.severity == .info ? "info" : r.severity.rawValue, r.message, ["policy": r.policyID ?? "", "event": event.id])
            }
        }
        let jobs = outcomes.flatMap(\.jobs)
        if !jobs.isEmpty { await scheduler.enqueue(jobs) }
        if records.contains(where: { $0.details["disabled"] != nil }) { await writeStatus() }
        return true
    }

    /// When the engine next has something due; recomputed after every event and apply.
    var nextDue: Timestamp?
    var dueKnown = false

    func processDue() async {
        let now = clock.now()
        if !dueKnown {
            nextDue = await engine.nextDeadline(now: now)
            dueKnown = true
        }
        guard let due = nextDue, due <= now else { return }
        dueKnown = false
        let events = await engine.dueEvents(now: now)
        // In slices, so that a storm of timers still lets the loop breathe.
        for start in stride(from: 0, to: events.count, by: 500) {
            guard fatal == nil, !signals.stopRequested else { return }
            guard await handle(Array(events[start..<min(start + 500, events.count)])) else { return }
        }
    }

    // MARK: files

    /// Writes the engine state; never after a failed append, when the engine may know of
    /// records the ledger does not have.
    func snapshot() async {
        guard fatal == nil else { return }
        do {
            try AtomicFile.write(await engine.snapshot(), to: options.stateDirectory + "/engine-state.json")
            recordsSinceSnapshot = 0
        } catch {
            log.warn("cannot write the engine snapshot (the ledger still has everything)", ["error": "\(error)"])
        }
    }

    /// Each policy of a commit with its status: `active`, `disabled` (by its spec or until a
    /// dry-run passes) or `invalid`.
    func policyLines(_ entries: [ManifestEntry], disabled: [String: String]) -> [ReconcilerStatus.PolicyLine] {
        entries.map { e in
            var line = ReconcilerStatus.PolicyLine(path: e.path, policyID: e.policyID, name: e.name ?? "", status: "active", reason: nil,
                                                   ir: e.ir, versionInt: e.versionInt)
            switch e.status {
            case .disabled: line.status = "disabled"; line.reason = "enabled: false in the spec"
            case .invalid: line.status = "invalid"; line.reason = "the file has blockers"
            case .compiled:
                if let reason = disabled[e.policyID] { line.status = "disabled"; line.reason = reason }
            }
            return line
        }
    }

    func writeStatus() async {
        let now = clock.now()
        let disabled = await engine.disabledPolicies
        if let applied {
            status.policies = policyLines(applied.entries, disabled: disabled)
            // A retry that enables a policy again changes the counts Ready tells.
            if let ready = status.conditions["Ready"], ready.status, ready.reason == "Applied" {
                status.set("Ready", true, reason: "Applied", message: ReconcilerStatus.readyMessage(commit: applied.commit, status.policies), now: now)
            }
        }
        if status.conditions["Ready"] == nil {
            status.set("Ready", false, reason: "Initializing", message: "no commit applied yet", now: now)
        }
        metricsChanged = true
        do { try status.write(to: options.stateDirectory, now: now) } catch {
            log.warn("cannot write status.json", ["error": "\(error)"])
        }
    }

    func writeMetrics() async {
        let depth = await scheduler.depth
        let bySeverity = await scheduler.executedBySeverity
        let disabled = await engine.disabledPolicies
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, String)]) {
            lines.append("# HELP policyops_\(name) \(help)")
            lines.append("# TYPE policyops_\(name) \(type)")
            for (labels, value) in samples { lines.append("policyops_\(name)\(labels) \(value)") }
        }
        metric("reconcile_duration_seconds", "Duration of the last pass that found a new commit (compile, then apply or refuse).", "gauge", [("", String(lastPassSeconds))])
        metric("applied_revision_timestamp_seconds", "Commit time of the applied revision.", "gauge", [("", String(appliedCommitTime))])
        metric("events_total", "Events consumed.", "counter", [("", String(eventsTotal))])
        metric("decisions_total", "Policy decisions recorded.", "counter", [("", String(decisionsTotal))])
        metric("executions_total", "Executions finished, by severity of their outcome.", "counter",
               Severity.allCases.map { ("{severity=\"\($0.rawValue)\"}", String(bySeverity[$0] ?? 0)) })
        metric("execution_queue_depth", "Executions queued or running.", "gauge", [("", String(depth))])
        metric("ledger_bytes", "Size of the ledger's segments.", "gauge", [("", String(Ledger.size(stateDirectory: options.stateDirectory)))])
        // As `status` lists them: disabled by the spec or until a dry-run passes, both.
        let policies = applied.map { policyLines($0.entries, disabled: disabled) } ?? []
        metric("policies", "Policies of the applied commit by status.", "gauge", ["active", "disabled", "invalid"].map { s in
            ("{status=\"\(s)\"}", String(policies.filter { $0.status == s }.count))
        })
        metric("ready", "1 while the condition Ready is True (a commit is applied and nothing stalls), else 0.", "gauge",
               [("", status.conditions["Ready"]?.status == true ? "1" : "0")])
        metric("stalled", "1 while the condition Stalled is True (the tip cannot be applied: blockers, an unreadable repository), else 0.", "gauge",
               [("", status.conditions["Stalled"]?.status == true ? "1" : "0")])
        lines += compileSeconds.lines("policyops_compile_duration_seconds", help: "Time to compile one commit.")
        lines += dryRunSeconds.lines("policyops_dry_run_duration_seconds",
                                     help: "Time of one dry-run round: the new and changed policies of an apply (in slices of 256), or the disabled ones retried.")
        lines += executionSeconds.lines("policyops_execution_duration_seconds", help: "Time of one execution, from its start record to its execution record.")
        let text = lines.joined(separator: "\n") + "\n"
        metricsChanged = false
        guard text != lastMetrics else { return }
        do {
            try AtomicFile.write(Array(text.utf8), to: options.stateDirectory + "/metrics.prom")
            lastMetrics = text
        } catch {
            metricsChanged = true
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
