#if canImport(Glibc)
import Glibc
#endif
import Hashing
import Policy
import Synchronization

/// A persistent cache of per-file analyses keyed by git blob id, kept in one append-only
/// file (for hooks: under the git directory). Every line carries a checksum of itself, so
/// a torn or corrupt line is ignored and analyzed again, never trusted; a file of another
/// format is ignored and replaced. Two processes may use it at once: each appends its new
/// entries in one write; the worst case is an entry written twice.
///
/// Line format: `<blob id> <settings key> <16 hex of SHA-256 of the rest> <facts JSON>`.
public final class AnalysisCacheFile: AnalysisCache {
    /// The first line of a cache file of this format.
    static let header = "policyops-analysis-cache 1"
    /// Rewritten without superseded lines once it holds this many more lines than entries.
    static let compactionSlack = 20_000

    let path: String
    private struct State {
        var lines: [String: Substring] = [:]
        var decoded: [String: PolicyFileAnalysis] = [:]
        var pending: [String] = []
        var lineCount = 0
        var rewrite = false
        var rejected = 0
    }
    private let state = Mutex(State())

    /// Opens (or starts) the cache at `path`. A missing, unreadable or foreign file is an
    /// empty cache.
    public init(path: String) {
        self.path = path
        var s = State()
        if let bytes = try? AtomicFile.read(path) {
            let text = String(decoding: bytes, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
            if lines.first == Self.header[...] {
                lines = lines.dropFirst()
                for line in lines {
                    s.lineCount += 1
                    guard let (key, json) = Self.verify(line) else {
                        s.rejected += 1
                        continue
                    }
                    s.lines[key] = json
                }
            } else {
                s.rewrite = true
            }
        } else {
            s.rewrite = true
        }
        state.withLock { $0 = s }
    }

    /// How many lines were rejected as corrupt when the cache was opened.
    public var rejectedLines: Int { state.withLock { $0.rejected } }

    /// How many entries the cache holds.
    public var count: Int { state.withLock { $0.lines.count } }

    static func verify(_ line: Substring) -> (String, Substring)? {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[2].utf8.count == 16 else { return nil }
        let checksum = Self.checksum(parts[0], parts[1], parts[3])
        guard parts[2] == checksum else { return nil }
        return (parts[0] + " " + parts[1], parts[3])
    }

    static func checksum(_ blob: Substring, _ key: Substring, _ json: Substring) -> Substring {
        Substring(SHA256.hash(blob + " " + key + " " + json).hex.prefix(16))
    }

    public func analysis(blobID: String, settingsKey: String) -> PolicyFileAnalysis? {
        let key = blobID + " " + settingsKey
        return state.withLock { s -> PolicyFileAnalysis? in
            if let hit = s.decoded[key] { return hit }
            guard let line = s.lines[key] else { return nil }
            guard let json = JSON.parse(Array(line.utf8)), let analysis = PolicyFileAnalysis(path: "", facts: json) else {
                s.lines[key] = nil
                s.rejected += 1
                return nil
            }
            s.decoded[key] = analysis
            return analysis
        }
    }

    public func store(_ analysis: PolicyFileAnalysis, blobID: String, settingsKey: String) {
        let key = blobID + " " + settingsKey
        let json = String(decoding: analysis.facts.canonicalBytes, as: UTF8.self)
        let line = blobID + " " + settingsKey + " " + String(Self.checksum(blobID[...], settingsKey[...], json[...])) + " " + json
        state.withLock { s in
            s.decoded[key] = analysis.moved(to: "")
            s.lines[key] = json[...]
            s.pending.append(line)
        }
    }

    /// Writes the entries stored since opening: appended in one write, or the whole file
    /// rewritten (temporary file and rename) when it was foreign, corrupt or has grown
    /// with superseded lines. Not synced: a cache lost in a crash is rebuilt.
    public func flush() throws(FileSystemError) {
        let (pending, rewrite, all) = state.withLock { s -> ([String], Bool, [String]) in
            let compact = s.rewrite || s.rejected > 0 || s.lineCount + s.pending.count > s.lines.count + Self.compactionSlack
            defer {
                s.lineCount = compact ? s.lines.count : s.lineCount + s.pending.count
                s.pending = []
                s.rewrite = false
                s.rejected = 0
            }
            guard compact else { return (s.pending, false, []) }
            let everything = s.lines.map { key, json in
                let parts = key.split(separator: " ", maxSplits: 1)
                return key + " " + String(Self.checksum(parts[0], parts[1], json)) + " " + json
            }
            return (s.pending, true, everything.sorted())
        }
        guard rewrite || !pending.isEmpty else { return }
        try AtomicFile.makeFolders(AtomicFile.parent(of: path))
        if rewrite {
            let text = ([Self.header] + all).joined(separator: "\n") + "\n"
            let temporary = AtomicFile.temporaryPath(for: path)
            try AtomicFile.writeFile(Array(text.utf8), to: temporary, mode: 0o644, sync: false)
            if rename(temporary, path) != 0 {
                let error = FileSystemError("rename into place", path)
                unlink(temporary)
                throw error
            }
            return
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        let bytes = Array((pending.joined(separator: "\n") + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("append to", path)
            }
            written += n
        }
    }
}
