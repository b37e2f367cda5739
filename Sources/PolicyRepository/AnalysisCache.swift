import Git
import Policy
import Synchronization

/// An analysis cache that lives as long as the process, by blob id under each settings key.
public final class MemoryAnalysisCache: AnalysisCache {
    private let entries = Mutex<[String: [ObjectID: PolicyFileAnalysis]]>([:])

    /// Creates an empty cache.
    public init() {}

    public func analysis(blobID: String, settingsKey: String) -> PolicyFileAnalysis? {
        guard let id = ObjectID(hex: blobID) else { return nil }
        return entries.withLock { $0[settingsKey]?[id] }
    }

    public func store(_ analysis: PolicyFileAnalysis, blobID: String, settingsKey: String) {
        guard let id = ObjectID(hex: blobID) else { return }
        entries.withLock { $0[settingsKey, default: [:]][id] = analysis }
    }

    /// The analyses of many blobs at once (nil where unknown), under one lock and without
    /// writing ids as hex: a commit of ten thousand policies asks for all of them.
    func analyses(of blobs: [ObjectID], settingsKey: String) -> [PolicyFileAnalysis?] {
        entries.withLock { all in
            guard let known = all[settingsKey] else { return Array(repeating: nil, count: blobs.count) }
            return blobs.map { known[$0] }
        }
    }
}
