#if canImport(Glibc)
import Glibc
#endif
import Hashing
import Policy

/// The documented retention of the state directory (SPEC section 10): what `policyops gc`
/// removes.
///
/// - **Manifests.** The `manifests` most recently written are kept, and always the applied
///   commit's and the last attempted one's (`status.json`); the others are removed.
/// - **Objects.** An IR, host or UPS object, or a manifest chunk, that no kept manifest
///   names is removed, unless it was written less than `grace` seconds ago (a `compile`
///   running beside the retention stores its objects before its manifest). When a kept
///   manifest cannot be read whole, no object is removed at all.
/// - **Ledger.** The `ledgerSegments` newest segments are kept, and every segment holding a
///   record at or after `ledgerKeepSince`, and every segment from the one holding the last
///   record the engine snapshot has seen (so that a restart still finds it); without an
///   engine snapshot nothing is pruned, since the engine state is then replayed from the
///   whole ledger. Only a prefix of segments goes, and `ledger/checkpoint.json` is written
///   first with the seq and chain of the last record removed: `ledger --verify` proves the
///   chain from the first kept record on.
public struct RetentionPolicy: Sendable, Equatable {
    /// How many of the most recently written manifests are kept (besides applied and attempted).
    public var manifests: Int
    /// How many of the newest ledger segments are kept (at least one: the one being written).
    public var ledgerSegments: Int
    /// A segment holding a record whose `ts` is at or after this ISO 8601 time is kept.
    public var ledgerKeepSince: String?
    /// Objects written less than this many seconds before `now` are kept.
    public var grace: Int64

    /// A retention policy.
    public init(manifests: Int = 20, ledgerSegments: Int = 8, ledgerKeepSince: String? = nil, grace: Int64 = 3600) {
        self.manifests = max(0, manifests)
        self.ledgerSegments = max(1, ledgerSegments)
        self.ledgerKeepSince = ledgerKeepSince
        self.grace = max(0, grace)
    }
}

/// What one pass of the retention removes, or would remove (a dry run).
public struct RetentionPlan: Sendable, Equatable {
    /// Manifest files removed (paths).
    public var manifests: [String] = []
    /// Objects removed (paths).
    public var objects: [String] = []
    /// Ledger segments removed (paths), oldest first.
    public var segments: [String] = []
    /// The checkpoint written before the segments go; nil when none go.
    public var checkpoint: LedgerCheckpoint?
    /// The bytes all of that frees.
    public var bytes = 0
    /// Why something that could have gone is kept.
    public var notes: [String] = []
    /// How many manifests, objects and segments stay.
    public var keptManifests = 0, keptObjects = 0, keptSegments = 0
}

/// Runs the retention of a state directory; the caller holds its lock (`StateLock`), so no
/// reconciler writes meanwhile.
public enum StateRetention {
    /// What `policy` removes from the state directory `root` at `now` (seconds since 1970).
    public static func plan(stateDirectory root: String, policy: RetentionPolicy, now: Int64) throws -> RetentionPlan {
        var plan = RetentionPlan()
        // Manifests, newest first.
        let commitsFolder = root + "/commits"
        var manifests: [(commit: String, mtime: Int64, size: Int)] = []
        for name in try FileList.names(in: commitsFolder) where name.hasSuffix(".json") {
            let commit = String(name.dropLast(5))
            guard !commit.isEmpty, commit.allSatisfy(\.isHexDigit), let info = info(commitsFolder + "/" + name) else { continue }
            manifests.append((commit, info.mtime, info.size))
        }
        manifests.sort { $0.mtime != $1.mtime ? $0.mtime > $1.mtime : $0.commit < $1.commit }
        var pinned: Set<String> = []
        if let bytes = try AtomicFile.read(root + "/applied") {
            pinned.insert(String(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }))
        }
        if let bytes = try AtomicFile.read(root + "/status.json"), let status = JSON.parse(bytes) {
            for key in ["lastAppliedRevision", "lastAttemptedRevision"] { if let c = status[key]?.stringValue { pinned.insert(c) } }
        }
        var kept: [String] = []
        for (i, m) in manifests.enumerated() {
            if i < policy.manifests || pinned.contains(m.commit) {
                kept.append(m.commit)
            } else {
                plan.manifests.append(commitsFolder + "/" + m.commit + ".json")
                plan.bytes += m.size
            }
        }
        plan.keptManifests = kept.count
        // Objects no kept manifest names.
        var referenced: Set<String> = []
        var whole = true
        for commit in kept {
            guard let bytes = try AtomicFile.read("\(commitsFolder)/\(commit).json"),
                  case .success(let top) = CommitManifest.unsealed(bytes) else {
                whole = false
                plan.notes.append("the manifest of \(commit) fails its check: no object is removed until it is rebuilt")
                continue
            }
            for r in CommitManifest.chunkReferences(top) ?? [] { referenced.insert(r) }
            guard case .valid(let manifest) = try StateDirectory.checkedManifest(stateDirectory: root, commit: commit) else {
                whole = false
                plan.notes.append("a chunk of the manifest of \(commit) fails its check: no object is removed until it is rebuilt")
                continue
            }
            for p in manifest["policies"]?.arrayValue ?? [] { if let r = p["ir"]?.stringValue { referenced.insert(r) } }
            for list in ["hosts", "ups"] {
                for h in manifest[list]?.arrayValue ?? [] { if let r = h["object"]?.stringValue { referenced.insert(r) } }
            }
        }
        let objectsFolder = root + "/ir/sha256"
        for prefix in try FileList.names(in: objectsFolder).sorted() where prefix.count == 2 {
            for name in try FileList.names(in: objectsFolder + "/" + prefix).sorted() where name.hasSuffix(".json") && name.count == 67 {
                let path = "\(objectsFolder)/\(prefix)/\(name)"
                let reference = "sha256:" + prefix + name.dropLast(5)
                guard whole, !referenced.contains(reference), let info = info(path), now - info.mtime >= policy.grace else {
                    plan.keptObjects += 1
                    continue
                }
                plan.objects.append(path)
                plan.bytes += info.size
            }
        }
        try planLedger(root: root, policy: policy, into: &plan)
        return plan
    }

    /// The prefix of segments that may go, and the checkpoint that replaces them.
    static func planLedger(root: String, policy: RetentionPolicy, into plan: inout RetentionPlan) throws {
        let folder = root + "/ledger"
        let (segments, _, _, _) = try Ledger.start(stateDirectory: root)
        // Left over from a prune that stopped before it removed them.
        let leftovers = Ledger.segments(folder).filter { !segments.contains($0) }
        for name in leftovers {
            plan.segments.append(folder + "/" + name)
            plan.bytes += info(folder + "/" + name)?.size ?? 0
        }
        plan.keptSegments = segments.count
        guard segments.count > policy.ledgerSegments else { return }
        guard let mark = LedgerMark.snapshot(stateDirectory: root) else {
            plan.notes.append("no engine snapshot (engine-state.json): the ledger is kept whole, the engine state is replayed from it")
            return
        }
        var last: (seq: Int64, chain: String)?
        var pruned: [String] = []
        var bytes = 0
        for name in segments.prefix(segments.count - policy.ledgerSegments) {
            guard let data = try AtomicFile.read(folder + "/" + name), let end = lastRecord(data) else { break }
            if end.seq >= mark.seq {
                plan.notes.append("segments from \(name) on are kept: they hold the last record the engine snapshot has seen (seq \(mark.seq))")
                break
            }
            if let since = policy.ledgerKeepSince, let ts = end.ts, ts >= since {
                plan.notes.append("segments from \(name) on are kept: they hold records since \(since)")
                break
            }
            last = (end.seq, end.chain)
            pruned.append(name)
            bytes += data.count
        }
        guard let last, let next = segments.dropFirst(pruned.count).first else { return }
        plan.checkpoint = LedgerCheckpoint(seq: last.seq, chain: last.chain, firstSegment: next)
        plan.segments += pruned.map { folder + "/" + $0 }
        plan.bytes += bytes
        plan.keptSegments = segments.count - pruned.count
    }

    /// The seq, chain and `ts` of a segment's last whole record.
    static func lastRecord(_ bytes: [UInt8]) -> (seq: Int64, chain: String, ts: String?)? {
        guard let end = bytes.lastIndex(of: 0x0A) else { return nil }
        let start = bytes[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let line = bytes[start..<end]
        guard let s1 = line.firstIndex(of: 0x20), let seq = Int64(String(decoding: line[start..<s1], as: UTF8.self)),
              line.count > s1 - start + 66 else { return nil }
        let chain = String(decoding: line[(s1 + 1)..<(s1 + 65)], as: UTF8.self)
        return (seq, chain, JSON.parse(Array(line[(s1 + 66)...]))?["ts"]?.stringValue)
    }

    /// Removes what `plan` names: manifests first (an object outlives the manifests that
    /// name it), then objects, then the checkpoint is written and the old segments removed.
    /// A crash part way leaves a state directory that reads as before, and the next pass
    /// removes the rest.
    public static func apply(_ plan: RetentionPlan, stateDirectory root: String) throws(FileSystemError) {
        for path in plan.manifests { try remove(path) }
        if !plan.manifests.isEmpty { try AtomicFile.syncFolder(root + "/commits") }
        var folders: Set<String> = []
        for path in plan.objects {
            try remove(path)
            folders.insert(AtomicFile.parent(of: path))
        }
        for folder in folders.sorted() { try AtomicFile.syncFolder(folder) }
        if let checkpoint = plan.checkpoint {
            try AtomicFile.write(checkpoint.fileBytes, to: LedgerCheckpoint.path(stateDirectory: root), mode: 0o600)
        }
        for path in plan.segments { try remove(path) }
        if !plan.segments.isEmpty { try AtomicFile.syncFolder(root + "/ledger") }
    }

    static func remove(_ path: String) throws(FileSystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw FileSystemError("remove", path) }
    }

    static func info(_ path: String) -> (mtime: Int64, size: Int)? {
        var s = stat()
        guard lstat(path, &s) == 0, s.st_mode & S_IFMT == S_IFREG else { return nil }
        return (Int64(s.st_mtim.tv_sec), Int(s.st_size))
    }
}
