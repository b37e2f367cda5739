import Git
import Policy

/// Analyses of the policy files of a git tree, taken from the cache by blob id where it
/// has them; only the blobs it lacks are read (on this thread: libgit2 handles stay on one)
/// and analyzed (on every core).
struct TreeAnalyzer {
    let view: RepositoryView
    let git: Repository
    let compiler: SnapshotCompiler

    func analyses(of entries: [TreeEntry], settings: RepositorySettings) throws(GitError) -> [PolicyFileAnalysis] {
        let key = settings.analysisKey
        var known: [PolicyFileAnalysis] = []
        var unknown: [RepositoryFile] = []
        known.reserveCapacity(entries.count)
        let cachedInMemory = (compiler.cache as? MemoryAnalysisCache)?.analyses(of: entries.map(\.id), settingsKey: key)
        for (i, entry) in entries.enumerated() {
            if let cached = cachedInMemory.map({ $0[i] }) ?? compiler.cache?.analysis(blobID: entry.id.hex, settingsKey: key) {
                known.append(cached.moved(to: entry.path))
            } else {
                unknown.append(RepositoryFile(path: entry.path, bytes: try view.readBlob(entry.id, git: git), blobID: entry.id.hex))
            }
        }
        return known + compiler.analyses(of: unknown, settings: settings)
    }
}
