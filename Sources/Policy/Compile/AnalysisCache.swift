/// A store of per-file analyses keyed by git blob id, so unchanged files are not read and
/// validated again. Implementations must be safe to call from several threads.
public protocol AnalysisCache: AnyObject, Sendable {
    /// The analysis of the blob under these settings, if known. Its paths are those of
    /// whatever file had the blob; callers re-home it (`PolicyFileAnalysis.moved(to:)`).
    func analysis(blobID: String, settingsKey: String) -> PolicyFileAnalysis?
    /// Remembers an analysis.
    func store(_ analysis: PolicyFileAnalysis, blobID: String, settingsKey: String)
}

extension RepositorySettings {
    /// What analyses depend on besides a file's bytes: the defaults normalization fills in
    /// and the analyzer's own version.
    public var analysisKey: String {
        "a\(PolicyFileAnalysis.analyzerVersion)/\(defaults.suppressionWindow.seconds)/\(defaults.idempotencyWindow.seconds)"
    }
}

extension PolicyFileAnalysis {
    /// The same analysis for the same bytes at another path.
    public func moved(to path: String) -> PolicyFileAnalysis {
        guard path != self.path else { return self }
        var copy = self
        copy.path = path
        copy.diagnostics = diagnostics.map { d in
            var d = d
            d.file = path
            return d
        }
        return copy
    }
}
