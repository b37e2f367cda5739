import Policy
import Synchronization

/// An analysis cache that lives as long as the process.
public final class MemoryAnalysisCache: AnalysisCache {
    private let entries = Mutex<[String: PolicyFileAnalysis]>([:])

    /// Creates an empty cache.
    public init() {}

    public func analysis(blobID: String, settingsKey: String) -> PolicyFileAnalysis? {
        entries.withLock { $0[blobID + "|" + settingsKey] }
    }

    public func store(_ analysis: PolicyFileAnalysis, blobID: String, settingsKey: String) {
        entries.withLock { $0[blobID + "|" + settingsKey] = analysis }
    }
}

