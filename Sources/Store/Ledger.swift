#if canImport(Glibc)
import Glibc
#endif
import Hashing
import Policy

/// The append-only ledger (SPEC section 10): segment files of one record per line,
/// `<seq> <chain> <record JSON>`, where `chain` is the SHA-256 of the previous line's chain,
/// the seq and the record — every record checksummed and chained to the one before. A
/// record counts as written only once fsync has returned; records that arrive while a
/// sync runs share the next one (group commit). Segments rotate at a size; nothing is ever
/// rewritten. A torn tail (a crash in the middle of a write) is cut back to the last whole
/// record on open, and reported. Old segments may be pruned by the retention
/// (`StateRetention`); `LedgerCheckpoint` then says where the chain of the kept ones starts.
public actor Ledger {
    /// What opening found.
    public struct Recovery: Sendable {
        /// Bytes of a torn last record that were cut.
        public var cutBytes: Int
        /// The segment they were cut from.
        public var segment: String?
    }

    /// A record read back.
    public struct Entry: Sendable {
        public var seq: Int64
        public var json: JSON
        /// The record's chain (hex): the SHA-256 that links it to every record before it.
        public var chain: String
    }

    /// Why a ledger cannot be used.
    public struct CorruptionError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    let folder: String
    let segmentLimit: Int
    var fd: Int32 = -1
    var segmentIndex = 0
    var segmentSize = 0
    var lastSeq: Int64 = 0
    var lastChain: [UInt8] = Ledger.genesis
    /// How many fsyncs the ledger made, and how many records they made durable.
    public private(set) var syncs = 0
    public private(set) var recordsWritten = 0

    static let genesis = [UInt8](repeating: UInt8(ascii: "0"), count: 64)

    /// Opens (or creates) the ledger under `stateDirectory/ledger`, cutting a torn tail.
    public init(stateDirectory: String, segmentLimit: Int = 16 << 20) throws {
        folder = stateDirectory + "/ledger"
        self.segmentLimit = segmentLimit
        try AtomicFile.makeFolders(folder)
        let (segments, startSeq, startChain, checkpoint) = try Self.start(stateDirectory: stateDirectory)
        var recovery = Recovery(cutBytes: 0, segment: nil)
        var chain = startChain
        var seq = startSeq
        for (i, name) in segments.enumerated() {
            let path = folder + "/" + name
            guard let bytes = try AtomicFile.read(path) else { continue }
            let (good, last, lastChain) = try Self.verify(bytes, chain: chain, seq: seq, name: name, isLast: i == segments.count - 1)
            if good < bytes.count {
                // Only the last segment can have a torn tail: cut it back to the last whole record.
                let fd = open(path, O_WRONLY | O_CLOEXEC)
                guard fd >= 0, ftruncate(fd, off_t(good)) == 0, fsync(fd) == 0 else {
                    if fd >= 0 { Glibc.close(fd) }
                    throw FileSystemError("cut the torn tail of", path)
                }
                Glibc.close(fd)
                recovery = Recovery(cutBytes: bytes.count - good, segment: name)
            }
            chain = lastChain
            seq = last
        }
        lastSeq = seq
        lastChain = chain
        self.recovery = recovery
        let current = segments.last ?? checkpoint?.firstSegment ?? Self.segmentName(1)
        segmentIndex = Int(current.dropFirst(4).prefix(6)) ?? 1
        (fd, segmentSize) = try Self.openSegment(folder: folder, name: current)
    }

    /// What opening found (a torn tail cut, or nothing).
    public let recovery: Recovery

    /// The seq of the last durable record.
    public var lastSequence: Int64 { lastSeq }

    static func segmentName(_ i: Int) -> String {
        var n = String(i)
        while n.count < 6 { n = "0" + n }
        return "seg-\(n).log"
    }

    static func segments(_ folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix("seg-") && name.hasSuffix(".log") { names.append(name) }
        }
        return names.sorted()
    }

    /// The segments that hold the ledger, and the seq and chain its first record follows:
    /// every segment from genesis, or those from the checkpoint's first kept segment on.
    static func start(stateDirectory: String) throws -> (segments: [String], seq: Int64, chain: [UInt8], checkpoint: LedgerCheckpoint?) {
        let all = segments(stateDirectory + "/ledger")
        guard let checkpoint = try LedgerCheckpoint.read(stateDirectory: stateDirectory) else { return (all, 0, genesis, nil) }
        return (all.filter { $0 >= checkpoint.firstSegment }, checkpoint.seq, Array(checkpoint.chain.utf8), checkpoint)
    }

    /// The segments that hold records, for the readers that do not check the chain: those
    /// before a checkpoint's first kept segment are left over from an interrupted prune.
    static func kept(stateDirectory: String) -> [String] {
        (try? start(stateDirectory: stateDirectory).segments) ?? segments(stateDirectory + "/ledger")
    }

    /// Checks a segment's lines; returns the length of its whole, valid prefix, the last seq
    /// and chain. A bad line before the end is corruption, not a torn tail.
    static func verify(_ bytes: [UInt8], chain: [UInt8], seq: Int64, name: String, isLast: Bool) throws -> (Int, Int64, [UInt8]) {
        var chain = chain
        var seq = seq
        var offset = 0
        while offset < bytes.count {
            guard let newline = bytes[offset...].firstIndex(of: 0x0A) else { break }  // a torn last line
            let line = bytes[offset..<newline]
            // A line that ends in its newline was written whole: if it fails its checksum it
            // is corruption, even the last one. Only a line without its newline is torn.
            guard let (s, c) = check(line, previous: chain), s == seq + 1 else {
                throw CorruptionError(message: "ledger segment \(name) is corrupt at byte \(offset) (record after seq \(seq)): a complete record fails its checksum; it is never rewritten: move the ledger folder aside to start a new one")
            }
            seq = s
            chain = c
            offset = newline + 1
        }
        if offset < bytes.count && !isLast {
            throw CorruptionError(message: "ledger segment \(name) ends in the middle of a record but is not the last segment")
        }
        return (offset, seq, chain)
    }

    /// `(seq, chain)` of a line whose chain holds.
    static func check(_ line: ArraySlice<UInt8>, previous: [UInt8]) -> (Int64, [UInt8])? {
        guard let s1 = line.firstIndex(of: 0x20), let s2 = line[(s1 + 1)...].firstIndex(of: 0x20), s2 - s1 == 65,
              let seq = Int64(String(decoding: line[line.startIndex..<s1], as: UTF8.self)) else { return nil }
        let chain = Array(line[(s1 + 1)..<s2])
        let expected = link(previous: previous, seq: seq, json: line[(s2 + 1)...])
        return chain == expected ? (seq, chain) : nil
    }

    static func link(previous: [UInt8], seq: Int64, json: ArraySlice<UInt8>) -> [UInt8] {
        var input = previous
        input.append(0x20)
        input += Array(String(seq).utf8)
        input.append(0x20)
        input += json
        return Array(SHA256.hash(input).hex.utf8)
    }

    static func openSegment(folder: String, name: String) throws -> (Int32, Int) {
        let path = folder + "/" + name
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        var info = stat()
        fstat(fd, &info)
        try AtomicFile.syncFolder(folder)
        return (fd, Int(info.st_size))
    }

    /// Appends records; returns their seqs once they are durable (fsync'd). Appends that
    /// arrive while a sync runs wait for the next one, which takes them all (group commit).
    @discardableResult
    public func append(_ records: [JSON]) async throws -> [Int64] {
        try await append(canonical: records.map(\.canonicalBytes))
    }

    /// Appends records given as their canonical JSON bytes (a caller that writes them
    /// directly); otherwise as `append(_:)`.
    @discardableResult
    public func append(canonical records: [[UInt8]]) async throws -> [Int64] {
        try await appendMarked(canonical: records).seqs
    }

    /// Appends records as `append(canonical:)`; returns their seqs and the chain (hex) of
    /// the last one, what the engine snapshot keeps to prove the ledger still holds it.
    public func appendMarked(canonical records: [[UInt8]]) async throws -> (seqs: [Int64], chain: String) {
        guard !records.isEmpty else { return ([], String(decoding: lastChain, as: UTF8.self)) }
        var lines: [UInt8] = []
        var seqs: [Int64] = []
        lines.reserveCapacity(records.reduce(0) { $0 + $1.count + 90 })
        for json in records {
            lastSeq += 1
            lastChain = Self.link(previous: lastChain, seq: lastSeq, json: json[...])
            lines += Array(String(lastSeq).utf8)
            lines.append(0x20)
            lines += lastChain
            lines.append(0x20)
            lines += json
            lines.append(0x0A)
            seqs.append(lastSeq)
        }
        let chain = String(decoding: lastChain, as: UTF8.self)
        let durable: [Int64] = try await withCheckedThrowingContinuation { continuation in
            pending.append((lines, seqs, continuation))
            if !syncing {
                syncing = true
                Task { await self.flushLoop() }
            }
        }
        return (durable, chain)
    }

    var pending: [(lines: [UInt8], seqs: [Int64], continuation: CheckedContinuation<[Int64], any Error>)] = []
    var syncing = false

    /// Writes what is pending in one write and one fsync, off the actor so new appends
    /// gather meanwhile; then wakes the callers; again while anything is pending.
    func flushLoop() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            var bytes: [UInt8] = []
            for b in batch { bytes += b.lines }
            var result = await Self.writeAndSync(fd: fd, bytes: bytes, folder: folder)
            if case .success = result {
                segmentSize += bytes.count
                syncs += 1
                recordsWritten += batch.reduce(0) { $0 + $1.seqs.count }
                if segmentSize >= segmentLimit {
                    segmentIndex += 1
                    Glibc.close(fd)
                    do { (fd, segmentSize) = try Self.openSegment(folder: folder, name: Self.segmentName(segmentIndex)) } catch {
                        result = .failure(error)
                    }
                }
            }
            for b in batch {
                switch result {
                case .success: b.continuation.resume(returning: b.seqs)
                case .failure(let e): b.continuation.resume(throwing: e)
                }
            }
        }
        syncing = false
    }

    nonisolated static func writeAndSync(fd: Int32, bytes: [UInt8], folder: String) async -> Result<Void, any Error> {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileSystemError("append to the ledger in", folder))
            }
            written += n
        }
        if fdatasync(fd) != 0 { return .failure(FileSystemError("sync the ledger in", folder)) }
        return .success(())
    }

    /// Closes the current segment.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Every record from seq `from` on (without checking the chain again).
    public static func read(stateDirectory: String, from: Int64 = 1) throws -> [Entry] {
        let folder = stateDirectory + "/ledger"
        var out: [Entry] = []
        for name in kept(stateDirectory: stateDirectory) {
            guard let bytes = try AtomicFile.read(folder + "/" + name) else { continue }
            var offset = 0
            while let newline = bytes[offset...].firstIndex(of: 0x0A) {
                let line = bytes[offset..<newline]
                offset = newline + 1
                guard let s1 = line.firstIndex(of: 0x20), let seq = Int64(String(decoding: line[line.startIndex..<s1], as: UTF8.self)),
                      seq >= from, line.count > s1 - line.startIndex + 66 else { continue }
                if let json = JSON.parse(Array(line[(s1 + 66)...])) {
                    out.append(Entry(seq: seq, json: json, chain: String(decoding: line[(s1 + 1)..<(s1 + 65)], as: UTF8.self)))
                }
            }
        }
        return out
    }

    /// The last record that `matches`, read from the end back (without checking the chain
    /// again); nil when none does.
    public static func last(stateDirectory: String, where matches: (JSON) -> Bool) -> Entry? {
        let folder = stateDirectory + "/ledger"
        for name in kept(stateDirectory: stateDirectory).reversed() {
            guard let bytes = try? AtomicFile.read(folder + "/" + name) else { continue }
            var end = bytes.count
            // A line without its newline is not a record.
            if let last = bytes.lastIndex(of: 0x0A) { end = last } else { continue }
            while end > 0 {
                let start = bytes[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let line = bytes[start..<end]
                end = start - 1
                guard let s1 = line.firstIndex(of: 0x20), let seq = Int64(String(decoding: line[line.startIndex..<s1], as: UTF8.self)),
                      line.count > s1 - line.startIndex + 66, let json = JSON.parse(Array(line[(s1 + 66)...])), matches(json) else {
                    if start == 0 { break }
                    continue
                }
                return Entry(seq: seq, json: json, chain: String(decoding: line[(s1 + 1)..<(s1 + 65)], as: UTF8.self))
            }
        }
        return nil
    }

    /// The chain (hex) of the record at `seq`, nil when no line carries that seq.
    public static func chain(stateDirectory: String, at seq: Int64) -> String? {
        let folder = stateDirectory + "/ledger"
        let wanted = Array(String(seq).utf8)
        if let checkpoint = try? LedgerCheckpoint.read(stateDirectory: stateDirectory), checkpoint.seq == seq { return checkpoint.chain }
        for name in kept(stateDirectory: stateDirectory).reversed() {
            guard let bytes = try? AtomicFile.read(folder + "/" + name), let first = bytes.firstIndex(of: 0x20),
                  let firstSeq = Int64(String(decoding: bytes[..<first], as: UTF8.self)), firstSeq <= seq else { continue }
            var offset = 0
            while offset < bytes.count {
                let newline = bytes[offset...].firstIndex(of: 0x0A) ?? bytes.count
                let line = bytes[offset..<newline]
                if line.count > wanted.count + 65, line.starts(with: wanted), line[offset + wanted.count] == 0x20 {
                    return String(decoding: line[(offset + wanted.count + 1)..<(offset + wanted.count + 65)], as: UTF8.self)
                }
                offset = newline + 1
            }
            return nil
        }
        return nil
    }

    /// Checks every record and its chain, and that the ledger still holds the last record
    /// the engine snapshot has seen (a ledger cut at a record boundary, found out only so:
    /// records lost after the last snapshot cannot be told apart from records never
    /// written); returns how many records there are.
    public static func verify(stateDirectory: String) throws -> Int64 {
        // The mark first: a running reconciler appends before it snapshots, so the segments
        // read next hold at least what this snapshot has seen.
        let mark = LedgerMark.snapshot(stateDirectory: stateDirectory)
        let folder = stateDirectory + "/ledger"
        let (names, startSeq, startChain, _) = try start(stateDirectory: stateDirectory)
        var chain = startChain
        var seq = startSeq
        for (i, name) in names.enumerated() {
            guard let bytes = try AtomicFile.read(folder + "/" + name) else { continue }
            let (good, last, lastChain) = try verify(bytes, chain: chain, seq: seq, name: name, isLast: i == names.count - 1)
            if good != bytes.count { throw CorruptionError(message: "ledger segment \(name) has a torn tail of \(bytes.count - good) bytes") }
            chain = lastChain
            seq = last
        }
        try mark?.check(stateDirectory: stateDirectory, ledgerLast: seq)
        return seq
    }

    /// The total size of the segments, in bytes.
    public static func size(stateDirectory: String) -> Int {
        let folder = stateDirectory + "/ledger"
        var total = 0
        for name in kept(stateDirectory: stateDirectory) {
            var info = stat()
            if stat(folder + "/" + name, &info) == 0 { total += Int(info.st_size) }
        }
        return total
    }
}
