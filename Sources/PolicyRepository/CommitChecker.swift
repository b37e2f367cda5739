import Git
import Policy

/// Checks whole commits quickly, as a pre-receive hook must: the policy files of each
/// commit come from the analysis cache by blob id, so a push that changes one file of
/// 10,000 reads and validates one file; the checks across files (declared hosts, driver
/// capabilities, duplicate specs) are always made over every policy of the commit.
public struct CommitChecker {
    let view: RepositoryView
    let compiler: SnapshotCompiler

    /// A checker over a repository with an analysis cache.
    public init(view: RepositoryView, cache: any AnalysisCache) {
        self.view = view
        self.compiler = SnapshotCompiler(cache: cache)
    }

    /// The settings of a commit's policy repository (standard ones when it has none).
    public func settings(at commit: ObjectID) throws -> RepositorySettings {
        let git = try view.requireGit()
        do {
            guard let tree = try git.treeID(commit: commit, path: view.path) else { return .standard }
            return try settings(tree: tree, git: git).0
        } catch { throw RepositoryError(error) }
    }

    func settings(tree: ObjectID, git: Repository) throws(GitError) -> (RepositorySettings, [Diagnostic]) {
        let top = try git.files(inTree: tree) { _ in false }
        guard let entry = top.first(where: { $0.path == RepositorySettings.fileName && $0.kind == .file }) else { return (.standard, []) }
        return SystemTimeZones.readSettings(try view.readBlob(entry.id, git: git))
    }

    /// A commit checked before, to start from.
    public struct Checked: Sendable {
        /// The policy repository's tree.
        public var tree: ObjectID
        public var compilation: RepositoryCompilation
    }

    /// Compiles the commit `id`, from `previous` when only policy files differ between the
    /// two trees (hosts, UPSes, settings and other files as they were): the changed files
    /// are analyzed and checked, the others kept. Returns the compilation, what to start
    /// from next time, and the paths whose entries changed (nil when compiled whole).
    public func check(_ id: ObjectID, after previous: Checked?) throws -> (RepositoryCompilation, Checked?, changed: Set<String>?) {
        let git = try view.requireGit()
        let tree: ObjectID?
        do { tree = try git.treeID(commit: id, path: view.path) } catch { throw RepositoryError(error) }
        guard let tree else { return (try check(id), nil, nil) }
        if let previous, let changes = try? policyChanges(from: previous, to: tree, git: git) {
            let (compilation, changed) = RepositoryCompiler(catalog: compiler.catalog).update(previous.compilation, changes: changes)
            return (compilation, Checked(tree: tree, compilation: compilation), changed)
        }
        let compilation = try check(id)
        return (compilation, Checked(tree: tree, compilation: compilation), nil)
    }

    /// The new analyses of the policy files that changed between two trees, nil when
    /// anything else that compilation reads changed too.
    func policyChanges(from previous: Checked, to tree: ObjectID, git: Repository) throws -> [String: PolicyFileAnalysis?]? {
        if tree == previous.tree { return [:] }
        let settings = previous.compilation.settings
        var changes: [String: PolicyFileAnalysis?] = [:]
        var added: [TreeEntry] = []
        for change in try git.changes(from: previous.tree, to: tree) {
            if change.path == RepositorySettings.fileName { return nil }
            // A link coming or going where the settings read changes the blockers (PO4004).
            if settings.readsThrough(change.path) && !(change.kind == .added || change.oldIsRegularFile) { return nil }
            if settings.readsThrough(change.path) && !(change.kind == .deleted || change.newIsRegularFile) { return nil }
            switch settings.role(of: change.path) {
            case .policy:
                guard change.kind == .added || change.oldIsRegularFile, change.kind == .deleted || change.newIsRegularFile else { return nil }
                if let id = change.newID, change.kind != .deleted {
                    added.append(TreeEntry(path: change.path, id: id, kind: .file))
                } else {
                    changes[change.path] = .some(nil)
                }
            case nil where !settings.isInPolicyFolder(change.path):
                continue  // outside what compilation reads
            default:
                return nil  // hosts, UPSes, ignored files in the policy folders
            }
        }
        for analysis in try TreeAnalyzer(view: view, git: git, compiler: compiler).analyses(of: added, settings: settings) {
            changes[analysis.path] = analysis
        }
        return changes
    }

    /// Compiles the commit `id` as a whole.
    public func check(_ id: ObjectID) throws -> RepositoryCompilation {
        let git = try view.requireGit()
        do {
            guard let tree = try git.treeID(commit: id, path: view.path) else {
                return RepositoryCompiler(catalog: compiler.catalog).compile(settings: .standard, files: [], policyAnalyses: [])
            }
            let (settings, settingsDiagnostics) = try settings(tree: tree, git: git)
            let entries = try git.files(inTree: tree) { RepositoryView.mayHoldMatches($0, settings) }
            var policyEntries: [TreeEntry] = []
            var others: [RepositoryFile] = []
            for entry in entries {
                let role = settings.role(of: entry.path)
                switch entry.kind {
                case .file where role == .policy:
                    policyEntries.append(entry)
                case .file where role != nil:
                    others.append(RepositoryFile(path: entry.path, bytes: try view.readBlob(entry.id, git: git), blobID: entry.id.hex))
                case .file:
                    if settings.isInPolicyFolder(entry.path) { others.append(RepositoryFile(path: entry.path, bytes: [], blobID: entry.id.hex)) }
                case .symlink, .submodule:
                    others.append(RepositoryFile(path: entry.path, kind: entry.kind == .symlink ? .symlink : .submodule, bytes: [], blobID: entry.id.hex))
                }
            }
            let analyses = try TreeAnalyzer(view: view, git: git, compiler: compiler).analyses(of: policyEntries, settings: settings)
            return RepositoryCompiler(catalog: compiler.catalog).compile(settings: settings, settingsDiagnostics: settingsDiagnostics,
                                                                          files: others, policyAnalyses: analyses)
        } catch {
            throw RepositoryError(error)
        }
    }
}
