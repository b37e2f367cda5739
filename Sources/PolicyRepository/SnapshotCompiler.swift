import Policy

/// Compiles a snapshot: policy files analyzed on every core (or taken from a cache by blob
/// id), then the repository-wide checks.
public struct SnapshotCompiler: Sendable {
    /// Where analyses of unchanged blobs are kept, if anywhere.
    public var cache: (any AnalysisCache)?
    /// The catalog checked against.
    public var catalog: CapabilityCatalog

    /// Creates a compiler.
    public init(cache: (any AnalysisCache)? = nil, catalog: CapabilityCatalog = .builtIn) {
        self.cache = cache
        self.catalog = catalog
    }

    /// Analyses of the snapshot's policy files, in the order given.
    public func analyses(of files: [RepositoryFile], settings: RepositorySettings) -> [PolicyFileAnalysis] {
        let key = settings.analysisKey
        let catalog = self.catalog
        let cache = self.cache
        return Parallel.map(files) { file in
            if let blob = file.blobID, let cached = cache?.analysis(blobID: blob, settingsKey: key) {
                return cached.moved(to: file.path)
            }
            let analysis = PolicyFileAnalysis.analyze(path: file.path, bytes: file.bytes, defaults: settings.defaults, catalog: catalog)
            if let blob = file.blobID { cache?.store(analysis, blobID: blob, settingsKey: key) }
            return analysis
        }
    }

    /// Compiles the whole snapshot.
    public func compile(_ snapshot: Snapshot) -> RepositoryCompilation {
        let analyses = analyses(of: snapshot.policyFiles, settings: snapshot.settings)
        return RepositoryCompiler(catalog: catalog).compile(
            settings: snapshot.settings, settingsDiagnostics: snapshot.settingsDiagnostics,
            files: snapshot.files, policyAnalyses: analyses)
    }
}
