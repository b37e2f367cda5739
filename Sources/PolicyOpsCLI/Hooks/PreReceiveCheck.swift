import Git
import Policy
import PolicyRepository
import Store

/// What a pre-receive hook decides about one push: reads git's ref lines, checks every
/// commit the push brings to a guarded ref (oldest first, each once), and says which
/// commits have blockers.
struct PreReceiveCheck {
    /// One line of git's input: `<old> <new> <ref>`.
    struct RefUpdate {
        var old: ObjectID
        var new: ObjectID
        var ref: String
        var isDeletion: Bool { new.isZero }
    }

    let git: Repository
    let view: RepositoryView
    let cache: AnalysisCacheFile
    let guardedRefs: GuardedRefs

    static func parse(_ input: String) throws -> [RefUpdate] {
        try input.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let old = ObjectID(hex: String(parts[0])), let new = ObjectID(hex: String(parts[1])) else {
                throw EnvironmentError("unexpected input line from git: \"\(line)\"; a pre-receive hook reads \"<old> <new> <ref>\" lines")
            }
            return RefUpdate(old: old, new: new, ref: String(parts[2]))
        }
    }

    /// The hook's settings: the `hook` section of `policyops.json` at the root of the git
    /// repository, else of the policy folder's own, as the commit HEAD names them before
    /// the push (standard ones when there is none yet) — a push cannot loosen its own check.
    /// `refs` is what the repository asks to guard (nil when it names none); the server's
    /// set bounds it (`GuardedRefs`).
    static func hookSettings(_ git: Repository, cache: AnalysisCacheFile, path: String?) -> (refs: [String]?, path: String) {
        guard let head = try? git.resolveCommit("HEAD") else { return (nil, path ?? "") }
        let root = (try? CommitChecker(view: RepositoryView.inside(git, prefix: ""), cache: cache).settings(at: head)) ?? .standard
        let folder = path ?? root.hookPath ?? ""
        if root.hasHookSection || folder.isEmpty { return (root.declaredGuardedRefs, folder) }
        let own = (try? CommitChecker(view: RepositoryView.inside(git, prefix: folder), cache: cache).settings(at: head)) ?? .standard
        return (own.declaredGuardedRefs, folder)
    }

    struct Outcome {
        /// Every commit checked, oldest first.
        var checked: [Commit] = []
        /// The commits with blockers and their blocking diagnostics.
        var rejected: [(Commit, [Diagnostic])] = []
        /// Guarded refs updated.
        var refs: [String] = []
    }

    func run(_ updates: [RefUpdate]) throws -> Outcome {
        var outcome = Outcome()
        var tips: [ObjectID] = []
        for update in updates where guardedRefs.guards(update.ref) && !update.isDeletion {
            outcome.refs.append(update.ref)
            // An annotated tag names a tag object: check the commit it points at.
            guard let tip = try? git.resolveCommit(update.new.hex) else { continue }
            if !tips.contains(tip) { tips.append(tip) }
        }
        guard !tips.isEmpty else { return outcome }
        var commits = try git.commitsIntroduced(by: tips, hidingReferencesMatching: "refs/*")
        // A ref moved to a commit already in the repository brings no new commit, but
        // what it points at must still pass.
        for tip in tips where !commits.contains(tip) { commits.append(tip) }
        let checker = CommitChecker(view: view, cache: cache)
        for id in commits {
            let commit = try git.commit(id)
            outcome.checked.append(commit)
            let compilation = try checker.check(id)
            let blockers = compilation.diagnostics.filter { $0.severity == .blocker }
            if !blockers.isEmpty { outcome.rejected.append((commit, blockers)) }
        }
        try? cache.flush()
        return outcome
    }
}
