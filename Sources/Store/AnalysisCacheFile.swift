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
/// Line format: `<16 hex of SHA-256 of the rest of the line> <blob id> <settings key> <facts line>`
/// (`PolicyFileAnalysis.factsLine`).
/// Lines are indexed when the file is opened and checked only when looked up, so a hook
/// that needs a few hundred of ten thousand entries does not hash the others.
public final class AnalysisCacheFile: AnalysisCache {
    /// The first line of a cache file of this format.
    static let header = Array("policyops-analysis-cache 3".utf8)
    /// Rewritten without superseded lines once it holds this many more lines than entries.
    static let compactionSlack = 20_000

    let path: String
    private struct State {
        var bytes: [UInt8] = []
        /// Key (`blob key`) → the line's byte range in `bytes` (without the newline).
        var lines: [String: Range<Int>] = [:]
        var decoded: [String: PolicyFileAnalysis] = [:]
        var added: [String: [UInt8]] = [:]
        var pending: [[UInt8]] = []
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
        if let bytes = try? AtomicFile.read(path), bytes.starts(with: Self.header + [0x0A]) {
            s.bytes = bytes
            var start = Self.header.count + 1
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                if let key = Self.key(bytes, start..<end) {
                    s.lines[key] = start..<end
                } else if end > start {
                    s.rejected += 1
                }
                s.lineCount += 1
                start = end + 1
            }
        } else {
            s.rewrite = true
        }
        state.withLock { $0 = s }
    }

    /// How many lines were found corrupt so far.
    public var rejectedLines: Int { state.withLock { $0.rejected } }

    /// How many entries the cache holds.
    public var count: Int { state.withLock { $0.lines.count + $0.added.count } }

    /// `blob key` of a line, without checking it: the checksum is checked on lookup.
    static func key(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        var spaces: [Int] = []
        var i = range.lowerBound
        while i < range.upperBound, spaces.count < 3 {
            if bytes[i] == 0x20 { spaces.append(i) }
            i += 1
        }
        guard spaces.count == 3, spaces[0] == range.lowerBound + 16 else { return nil }
        return String(decoding: bytes[(spaces[0] + 1)..<spaces[2]], as: UTF8.self)
    }

    /// The facts of a line whose checksum holds, nil otherwise.
    static func verifiedFacts(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard bytes.count > 17 else { return nil }
        let checksum = bytes.prefix(16)
        let rest = bytes.dropFirst(17)
        let digest = SHA256.hash(rest).bytes
        var i = checksum.startIndex
        for b in digest.prefix(8) {
            guard let hi = hexValue(checksum[i]), let lo = hexValue(checksum[i + 1]), hi << 4 | lo == b else { return nil }
            i += 2
        }
        var spaces = 0
        guard let jsonStart = rest.firstIndex(where: { if $0 == 0x20 { spaces += 1 }; return spaces == 2 }) else { return nil }
        return rest[(jsonStart + 1)...]
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static func line(blobID: String, settingsKey: String, facts: [UInt8]) -> [UInt8] {
        let rest = Array((blobID + " " + settingsKey + " ").utf8) + facts
        return Array(SHA256.hash(rest).hex.utf8.prefix(16)) + [0x20] + rest
    }

    public func analysis(blobID: String, settingsKey: String) -> PolicyFileAnalysis? {
        let key = blobID + " " + settingsKey
        return state.withLock { s -> PolicyFileAnalysis? in
            if let hit = s.decoded[key] { return hit }
            guard let range = s.lines[key] else { return nil }
            guard let facts = Self.verifiedFacts(s.bytes[range]), let analysis = PolicyFileAnalysis(path: "", factsLine: facts) else {
                s.lines[key] = nil
                s.rejected += 1
                return nil
            }
            return analysis
        }
    }

    public func store(_ analysis: PolicyFileAnalysis, blobID: String, settingsKey: String) {
        let key = blobID + " " + settingsKey
        let line = Self.line(blobID: blobID, settingsKey: settingsKey, facts: analysis.factsLine)
        state.withLock { s in
            s.decoded[key] = analysis.moved(to: "")
            s.added[key] = line
            s.pending.append(line)
        }
    }

    /// Writes the entries stored since opening: appended in one write, or the whole file
    /// rewritten (temporary file and rename) when it was foreign, had corrupt lines or has
    /// grown with superseded lines. Not synced: a cache lost in a crash is rebuilt.
    public func flush() throws(FileSystemError) {
        let (pending, rewrite) = state.withLock { s -> ([[UInt8]], [UInt8]?) in
            let unique = s.lines.count + s.added.count
            let compact = s.rewrite || s.rejected > 0 || s.lineCount + s.pending.count > unique + Self.compactionSlack
            defer {
                s.pending = []
                s.rewrite = false
                s.rejected = 0
                if compact { s.lineCount = unique } else { s.lineCount += s.pending.count }
            }
            guard compact else { return (s.pending, nil) }
            var out = Self.header + [0x0A]
            for (key, range) in s.lines where s.added[key] == nil && Self.verifiedFacts(s.bytes[range]) != nil {
                out += s.bytes[range]
                out.append(0x0A)
            }
            for line in s.added.values {
                out += line
                out.append(0x0A)
            }
            return (s.pending, out)
        }
        try AtomicFile.makeFolders(AtomicFile.parent(of: path))
        if let rewrite {
            let temporary = AtomicFile.temporaryPath(for: path)
            try AtomicFile.writeFile(rewrite, to: temporary, mode: 0o644, sync: false)
            if rename(temporary, path) != 0 {
                let error = FileSystemError("rename into place", path)
                unlink(temporary)
                throw error
            }
            return
        }
        guard !pending.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        for line in pending {
            bytes += line
            bytes.append(0x0A)
        }
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
