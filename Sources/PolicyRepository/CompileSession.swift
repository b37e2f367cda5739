import Git
import Hashing
import Policy

/// Compiles the commits of one branch, one after the other, reusing what the previous
/// compilations learned: analyses by blob id, the version count of the last commit, and
/// IR objects whose policy did not change. A 1-file commit into 10,000 policies analyzes
/// one file and serializes one IR object.
public final class CompileSession {
    /// The repository (replace it with a freshly opened one on each poll).
    public var view: RepositoryView
    let cache: MemoryAnalysisCache
    var versions: VersionState?
    var irObjects: [String: StoredObject] = [:]

    /// A session over a repository.
    public init(view: RepositoryView) {
        self.view = view
        self.cache = MemoryAnalysisCache()
    }

    /// Compiles the commit `id`.
    public func compile(_ id: ObjectID) throws -> CommitCompilation {
        let git = try view.requireGit()
        let commit: Commit
        do { commit = try git.commit(id) } catch { throw RepositoryError(error.message) }
        let compilation = try CommitChecker(view: view, cache: cache).check(id)
        let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: cache))
        let state = try versions.map { try history.advance($0, to: id) } ?? history.state(at: id)
        versions = state
        let manifest = CommitManifest(commit: id.hex, repositoryPath: view.path, compilation: compilation, versions: state.versions,
                                      map: { policies, transform in self.objects(for: policies, transform) })
        return CommitCompilation(commit: commit, compilation: compilation, manifest: manifest)
    }

    func objects(for policies: [CompiledPolicy], _ transform: @escaping @Sendable (CompiledPolicy) -> StoredObject) -> [StoredObject] {
        func key(_ p: CompiledPolicy) -> String { "\(p.policyID)|\(p.hash.hex)|\(p.versionInt)" }
        let missing = policies.filter { irObjects[key($0)] == nil }
        for (p, object) in zip(missing, Parallel.map(missing, transform)) { irObjects[key(p)] = object }
        return policies.map { irObjects[key($0)]! }
    }
}
