import Git
import Hashing
import Policy

/// What version counting knows at one commit: every path's version and last hash (removed
/// paths too, so a file added back continues its count), which paths are present and valid.
public struct VersionState: Sendable {
    /// The commit this state is at, nil before the first.
    public var commit: ObjectID?
    var tree: ObjectID?
    var settingsBlob: ObjectID??
    var settings: RepositorySettings = .standard
    var entries: [String: (version: Int, hash: SHA256Digest)] = [:]
    var present: Set<String> = []
    var valid: Set<String> = []

    /// The version of every policy path that is present and valid at the commit.
    public var versions: [String: Int] {
        var out: [String: Int] = [:]
        for path in present.intersection(valid) { if let e = entries[path] { out[path] = e.version } }
        return out
    }
}

/// Counts `version_int` (SPEC section 5): 1 for a policy's first valid spec, one more each
/// time its normalized spec changes, along the first-parent history of the compiled commit.
/// Any clone that compiles the same commit counts the same numbers.
///
/// A policy is its path. Commits where the file does not validate on its own do not count;
/// a file removed and later added back continues its count.
public struct VersionHistory {
    let view: RepositoryView
    let compiler: SnapshotCompiler

    /// Creates a counter over a repository; the compiler's cache should be shared with the
    /// compilation of the commit itself so no blob is analyzed twice.
    public init(view: RepositoryView, compiler: SnapshotCompiler) {
        self.view = view
        self.compiler = compiler
    }

    /// The version of every policy path that validates at `commit`.
    public func versions(at commit: ObjectID) throws -> [String: Int] {
        try state(at: commit).versions
    }

    /// The state at `commit`, walking its first-parent history from the root.
    public func state(at commit: ObjectID) throws -> VersionState {
        try advance(VersionState(), to: commit)
    }

    /// The state at `commit` from a state at one of its first-parent ancestors (only the
    /// commits between are walked); from the root when `known` is not on that chain.
    public func advance(_ known: VersionState, to commit: ObjectID) throws -> VersionState {
        let git = try view.requireGit()
        do {
            var chain: [ObjectID] = []
            var start = VersionState()
            for id in try git.firstParentHistory(from: commit) {
                if let k = known.commit, k == id {
                    start = known
                    break
                }
                chain.append(id)
            }
            return try walk(chain.reversed(), from: start, git: git)
        } catch {
            throw RepositoryError(error)
        }
    }

    func walk(_ chain: [ObjectID], from initial: VersionState, git: Repository) throws(GitError) -> VersionState {
        var s = initial
        func absorb(_ analyses: [PolicyFileAnalysis]) {
            for analysis in analyses {
                guard let hash = analysis.hash else {
                    s.valid.remove(analysis.path)
                    continue
                }
                s.valid.insert(analysis.path)
                if let e = s.entries[analysis.path] {
                    if e.hash != hash { s.entries[analysis.path] = (e.version + 1, hash) }
                } else {
                    s.entries[analysis.path] = (1, hash)
                }
            }
        }
        let analyzer = TreeAnalyzer(view: view, git: git, compiler: compiler)
        for id in chain {
            defer { s.commit = id }
            guard let tree = try git.treeID(commit: id, path: view.path) else {
                s.tree = nil
                s.present = []
                s.valid = []
                continue
            }
            let top = try git.files(inTree: tree) { _ in false }
            let settingsBlob = top.first { $0.path == RepositorySettings.fileName && $0.kind == .file }?.id
            let settingsChanged = s.settingsBlob.map { $0 != settingsBlob } ?? true
            if settingsChanged {
                if let blob = settingsBlob {
                    s.settings = SystemTimeZones.readSettings(try git.blob(blob)).0
                } else {
                    s.settings = .standard
                }
            }
            let settings = s.settings
            if settingsChanged || s.tree == nil {
                // Every policy file of this commit; blobs analyzed before are not read again.
                let entries = try git.files(inTree: tree) { RepositoryView.mayHoldMatches($0, settings) }
                    .filter { $0.kind == .file && settings.role(of: $0.path) == .policy }
                s.present = Set(entries.map(\.path))
                s.valid = []
                absorb(try analyzer.analyses(of: entries, settings: settings))
            } else if s.tree != tree {
                var changed: [TreeEntry] = []
                for change in try git.changes(from: s.tree, to: tree) where settings.role(of: change.path) == .policy {
                    if change.kind == .deleted || !change.newIsRegularFile {
                        s.present.remove(change.path)
                        s.valid.remove(change.path)
                        continue
                    }
                    s.present.insert(change.path)
                    changed.append(TreeEntry(path: change.path, id: change.newID!, kind: .file))
                }
                absorb(try analyzer.analyses(of: changed, settings: settings))
            }
            s.tree = tree
            s.settingsBlob = .some(settingsBlob)
        }
        return s
    }
}
