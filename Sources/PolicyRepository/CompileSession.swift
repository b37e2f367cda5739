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
    /// The last manifest built: the next one takes its unchanged entries.
    var lastManifest: CommitManifest?
    /// The last commit checked: the next one starts from it when only policy files changed.
    var lastChecked: CommitChecker.Checked?
    var irObjects: [IRKey: StoredObject] = [:]
    /// Policy ids by path (a UUIDv5 each: worth remembering over ten thousand files).
    var policyIDs: [String: String] = [:]

    struct IRKey: Hashable {
        var policyID: String
        var hash: SHA256Digest
        var versionInt: Int
    }

    /// A session over a repository.
    public init(view: RepositoryView) {
        self.view = view
        self.cache = MemoryAnalysisCache()
    }

    /// Compiles the commit `id`.
    public func compile(_ id: ObjectID) throws -> CommitCompilation {
        let git = try view.requireGit()
        let commit: Commit
        do { commit = try git.commit(id) } catch { throw RepositoryError(error) }
        let (compilation, checked, changed) = try CommitChecker(view: view, cache: cache).check(id, after: lastChecked)
        lastChecked = checked
        let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: cache))
        let state = try versions.map { try history.advance($0, to: id) } ?? history.state(at: id)
        versions = state
        let manifest = CommitManifest(commit: id.hex, repositoryPath: view.path, compilation: compilation, versions: state.versions,
                                      // Unchanged files keep their versions only when this commit follows the last one.
                                      previous: lastManifest, changed: commit.parents.first?.hex == lastManifest?.commit ? changed : nil,
                                      identity: { path in self.policyID(path) },
                                      map: { policies, transform in self.objects(for: policies, transform) })
        lastManifest = manifest
        return CommitCompilation(commit: commit, compilation: compilation, manifest: manifest)
    }

    func policyID(_ path: String) -> String {
        if let known = policyIDs[path] { return known }
        let id = PolicyIdentity.policyID(path: path)
        policyIDs[path] = id
        return id
    }

    func objects(for policies: [CompiledPolicy], _ transform: @escaping @Sendable (CompiledPolicy) -> StoredObject) -> [StoredObject] {
        func key(_ p: CompiledPolicy) -> IRKey { IRKey(policyID: p.policyID, hash: p.hash, versionInt: p.versionInt) }
        let missing = policies.filter { irObjects[key($0)] == nil }
        for (p, object) in zip(missing, Parallel.map(missing, transform)) { irObjects[key(p)] = object }
        return policies.map { irObjects[key($0)]! }
    }
}
