import Engine
import Git
import Policy
import PolicyRepository
import Store

/// The reconciler's state files checked against git and the ledger on start (SPEC section
/// 18, "Files"): git is the source of truth for manifests and IR, the ledger for what was
/// done and which commit was applied.
extension Reconciler {
    /// The applied commit loaded back; a manifest or object that fails its check is rebuilt
    /// from the commit in git, and the rebuild recorded in the ledger and logged. When git
    /// cannot give the commit again, the reconciler says so, stalls and stops.
    func loadApplied(_ commit: String) async throws -> AppliedCommit {
        let damage: RepositoryLoadError
        do { return try AppliedCommit.load(commit: commit, state: store) } catch let error as RepositoryLoadError where error.damagedFile != nil {
            damage = error
        }
        let file = damage.damagedFile ?? ""
        log.warn("a file of the applied commit is damaged; rebuilding it from git", ["file": file, "error": damage.message])
        let manifest: CommitManifest
        do {
            let view = try RepositoryView.open(options.repository, requireGit: true)
            guard let id = ObjectID(hex: commit) else { throw RepositoryLoadError("\(commit) is not a commit id") }
            manifest = try CompileSession(view: view).compile(id).manifest
        } catch {
            let message = "\(damage.message); git cannot give commit \(commit) again to rebuild it (\(error)): stopping rather than run on damaged data"
            _ = await record([LedgerRecord(kind: .recovery, ts: clock.now(), severity: .error, commit: commit, message: message,
                                           details: .object(["file": .string(file), "rebuilt": .bool(false), "reason": .string(damage.message)]))])
            await stall("StateCorrupt", message)
            throw RepositoryLoadError(message)
        }
        let rewritten = try store.rebuild(manifest, commit: commit)
        let loaded = try AppliedCommit.load(commit: commit, state: store)
        let message = "\(damage.message); rebuilt from commit \(commit) in git (\(Plural.count(rewritten.count, "object")) written again)"
        _ = await record([LedgerRecord(kind: .recovery, ts: clock.now(), severity: .warn, commit: commit, message: message,
                                       details: .object(["file": .string(file), "rebuilt": .bool(true), "reason": .string(damage.message),
                                                         "objects_rewritten": .array(rewritten.map(JSON.string))]))])
        log.warn("rebuilt the applied commit's files from git", ["file": file, "commit": commit, "objects": String(rewritten.count)])
        return loaded
    }

    /// The engine snapshot, once it is shown to be one of this ledger's: a snapshot that has
    /// seen records the ledger no longer holds is corruption (the ledger lost its end), and
    /// replaying from zero would act a second time on what those records did.
    func checkedSnapshot() async throws -> EngineState? {
        guard let bytes = try AtomicFile.read(options.stateDirectory + "/engine-state.json") else { return nil }
        guard let json = JSON.parse(bytes), let snapshot = EngineState(json: json) else {
            log.warn("engine-state.json is unreadable; the engine state is replayed from the whole ledger")
            return nil
        }
        do {
            try LedgerMark(seq: snapshot.lastSeq, chain: snapshot.lastChain)
                .check(stateDirectory: options.stateDirectory, ledgerLast: await ledger.lastSequence)
        } catch {
            // Said in status.json too; nothing goes into a ledger that lost its end.
            await stall("StateCorrupt", error.message)
            throw error
        }
        return snapshot
    }

    /// The last revision attempted, from `applied` and the ledger's commit records, never
    /// from `status.json` (which may be stale after a write that failed): the applied
    /// commit, or a commit refused after it was applied, so that a restart does not refuse
    /// it again. A commit the ledger says was applied but `applied` does not name is
    /// attempted again.
    func lastAttemptedRevision() -> String? {
        let appliedCommit = applied?.commit
        let last = Ledger.last(stateDirectory: options.stateDirectory) { $0["kind"]?.stringValue == RecordKind.commit.rawValue }
        if let last, last.json["details"]?["status"]?.stringValue == "refused", let refused = last.json["commit"]?.stringValue,
           refused != appliedCommit {
            return refused
        }
        return appliedCommit
    }
}
