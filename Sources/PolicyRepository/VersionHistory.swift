import Git
import Hashing
import Policy

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

    struct State {
        var version: Int
        var hash: SHA256Digest
    }

    /// The version of every policy path that validates at `commit`.
    public func versions(at commit: ObjectID) throws -> [String: Int] {
        let git = try view.requireGit()
        let chain: [ObjectID]
        do { chain = try git.firstParentHistory(from: commit).reversed() } catch { throw RepositoryError(error.message) }
        var state: [String: State] = [:]
        var present: Set<String> = []
        var valid: Set<String> = []
        var previousTree: ObjectID?
        var previousSettingsBlob: ObjectID?? = .none
        var settings = RepositorySettings.standard

        func absorbAnalyses(_ analyses: [PolicyFileAnalysis]) {
            for analysis in analyses {
                guard let hash = analysis.hash else {
                    valid.remove(analysis.path)
                    continue
                }
                valid.insert(analysis.path)
                if let s = state[analysis.path] {
                    if s.hash != hash { state[analysis.path] = State(version: s.version + 1, hash: hash) }
                } else {
                    state[analysis.path] = State(version: 1, hash: hash)
                }
            }
        }

        do {
            for id in chain {
                guard let tree = try git.treeID(commit: id, path: view.path) else {
                    previousTree = nil
                    present = []
                    valid = []
                    continue
                }
                let top = try git.files(inTree: tree) { _ in false }
                let settingsBlob = top.first { $0.path == RepositorySettings.fileName && $0.kind == .file }?.id
                let settingsChanged = previousSettingsBlob.map { $0 != settingsBlob } ?? true
                if settingsChanged {
                    settings = try settingsBlob.map { RepositorySettings.read(bytes: try git.blob($0)).0 } ?? .standard
                }
                if settingsChanged || previousTree == nil {
                    // Every policy file of this commit; blobs analyzed before are not read again.
                    let entries = try git.files(inTree: tree) { RepositoryView.mayHoldMatches($0, settings) }
                        .filter { $0.kind == .file && settings.role(of: $0.path) == .policy }
                    present = Set(entries.map(\.path))
                    valid = []
                    absorbAnalyses(try TreeAnalyzer(view: view, git: git, compiler: compiler).analyses(of: entries, settings: settings))
                } else if previousTree != tree {
                    var changed: [TreeEntry] = []
                    for change in try git.changes(from: previousTree, to: tree) where settings.role(of: change.path) == .policy {
                        if change.kind == .deleted || !change.newIsRegularFile {
                            present.remove(change.path)
                            valid.remove(change.path)
                            continue
                        }
                        present.insert(change.path)
                        changed.append(TreeEntry(path: change.path, id: change.newID!, kind: .file))
                    }
                    absorbAnalyses(try TreeAnalyzer(view: view, git: git, compiler: compiler).analyses(of: changed, settings: settings))
                }
                previousTree = tree
                previousSettingsBlob = .some(settingsBlob)
            }
        } catch let e as GitError {
            throw RepositoryError(e.message)
        }
        var out: [String: Int] = [:]
        for path in present.intersection(valid) { if let s = state[path] { out[path] = s.version } }
        return out
    }
}
