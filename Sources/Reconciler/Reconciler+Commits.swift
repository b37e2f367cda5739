import Engine
import Git
import Hashing
import NUT
import Policy
import PolicyRepository
import Secrets
import Store

/// The commit applier: polls the branch, compiles every new commit, applies the tip when it
/// has no blocker and refuses it otherwise.
extension Reconciler {
    // MARK: git

    /// Polls the branch: compiles every new commit since the applied one and applies the
    /// tip when it has no blocker.
    func poll() async {
        passStarted = MonotonicClock().now()
        let view: RepositoryView
        let history: GitBranchHistory
        let tip: ObjectID
        do {
            // A fresh handle each poll: a long-lived one would keep packs that gc removed.
            view = try RepositoryView.open(options.repository, requireGit: true)
            guard let git = view.git else { return }
            history = GitBranchHistory(git: git)
            tip = try history.tip(of: options.branch)
        } catch {
            await stall("RepositoryUnreadable", "cannot read branch \(options.branch) of \(options.repository): \(error)")
            return
        }
        if tip.hex == status.lastAttemptedRevision { return }
        defer { lastPassSeconds = MonotonicClock().now().seconds(since: passStarted) }
        status.set("Reconciling", true, reason: "Progressing", message: "compiling \(tip.short)", now: clock.now())
        if session == nil { session = CompileSession(view: view) } else { session!.view = view }
        do {
            for id in try BranchWatch.commitsToCompile(tip: tip, applied: applied?.commit, history: history) where id != tip {
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
        retries.keep { set.policy($0) != nil }
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
}
