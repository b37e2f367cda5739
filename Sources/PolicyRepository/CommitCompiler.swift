import Git
import Policy

/// A commit compiled: its snapshot, the compilation and the manifest with its objects.
public struct CommitCompilation: Sendable {
    /// The commit.
    public var commit: Commit
    /// The compiled repository.
    public var compilation: RepositoryCompilation
    /// The manifest and the IR, host and UPS objects to store.
    public var manifest: CommitManifest
}

/// Compiles commits of a policy repository into manifests and IR (SPEC section 5).
public struct CommitCompiler {
    let view: RepositoryView
    let compiler: SnapshotCompiler

    /// Creates a commit compiler; an analysis cache (by blob id) is shared by the commit's
    /// compilation and the version history.
    public init(view: RepositoryView, cache: any AnalysisCache = MemoryAnalysisCache()) {
        self.view = view
        self.compiler = SnapshotCompiler(cache: cache)
    }

    /// Compiles the commit `id`.
    public func compile(_ id: ObjectID) throws -> CommitCompilation {
        let git = try view.requireGit()
        let commit: Commit
        do { commit = try git.commit(id) } catch { throw RepositoryError(error.message) }
        let snapshot = try view.snapshot(at: id)
        let compilation = compiler.compile(snapshot)
        let versions = try VersionHistory(view: view, compiler: compiler).versions(at: id)
        let manifest = CommitManifest(commit: id.hex, repositoryPath: view.path, compilation: compilation, versions: versions,
                                      map: { Parallel.map($0, $1) })
        return CommitCompilation(commit: commit, compilation: compilation, manifest: manifest)
    }
}
