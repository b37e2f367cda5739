import Engine
import Git
import Hashing
import NUT
import Policy
import PolicyRepository
import Secrets
import Store

/// Recovery on start: the ledger replayed into the engine state, the applied commit loaded
/// back, interrupted executions recorded, consumed inbox files removed.
extension Reconciler {
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
        let saved = try await checkedSnapshot() ?? EngineState()
        if let bytes = try AtomicFile.read(options.stateDirectory + "/applied") {
            let commit = String(decoding: bytes, as: UTF8.self).trimmingCharacters
            let loaded = try await loadApplied(commit)
            await install(loaded)
            if let git = (try? RepositoryView.open(options.repository, requireGit: true))?.git, let id = ObjectID(hex: commit) {
                appliedCommitTime = (try? git.commit(id).time) ?? 0
            }
        }
        status.lastAttemptedRevision = lastAttemptedRevision()
        var replay = LedgerReplay(snapshot: saved)
        for entry in try Ledger.read(stateDirectory: options.stateDirectory, from: replay.readFrom) {
            replay.apply(seq: entry.seq, json: entry.json, chain: entry.chain, set: applied?.set ?? .empty)
        }
        let state = replay.state, replayed = replay.replayed
        if let latest = replay.latest { clock.resume(notBefore: latest) }
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
}
