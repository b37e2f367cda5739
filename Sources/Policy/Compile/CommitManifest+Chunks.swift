import Hashing

/// How a large manifest lists its entries through content-addressed chunks (SPEC section 5),
/// as git trees share unchanged folders: a commit that changes one file of ten thousand
/// writes one chunk of about `averageChunk` entries and a small top-level file, not the
/// whole list again.
///
/// The entries, in manifest order, are cut after every entry whose path hashes to a
/// boundary (about one in `averageChunk`), and at `maximumChunk` entries at the latest: the
/// cuts depend on the paths alone, so adding or removing a file moves at most the cuts
/// around it. Each chunk is the canonical JSON `{"policies":[entry, ...]}`, stored under its
/// SHA-256 like an IR object; the top-level file (manifest version 2) carries
/// `"policy_chunks": ["sha256:<hex>", ...]` and `"policy_count"` in place of `"policies"`,
/// and is sealed with its checksum as before. A manifest of at most `inlineLimit` entries
/// keeps them inline (version 1): small repositories read as they always did.
public struct ManifestChunking: Sendable, Equatable {
    /// The most entries a manifest keeps inline.
    public var inlineLimit: Int
    /// The mean number of entries per chunk (a power of two).
    public var averageChunk: Int
    /// The most entries in one chunk.
    public var maximumChunk: Int

    /// A chunking. The defaults balance the two parts a 1-file commit writes at ten thousand
    /// policies: the top-level file (one 74-byte reference per chunk, about 23 KB) and the
    /// chunk that holds the changed entry (about 11 KB on average, at most 96 entries).
    public init(inlineLimit: Int = 128, averageChunk: Int = 32, maximumChunk: Int = 96) {
        self.inlineLimit = inlineLimit
        self.averageChunk = max(1, averageChunk)
        self.maximumChunk = max(1, maximumChunk)
    }

    /// The standard chunking, what the reconciler and `compile` write.
    public static let standard = ManifestChunking()

    /// True when an entry with `path` ends its chunk.
    func endsChunk(_ path: String) -> Bool {
        // FNV-1a, then a finalizer that spreads every bit: cheap, and the same on every machine.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h % UInt64(averageChunk) == 0
    }
}

extension StoredObject {
    /// An object whose canonical JSON bytes are already written.
    public init(canonical bytes: [UInt8]) {
        self.bytes = bytes
        address = SHA256.hash(bytes)
        reference = "sha256:" + address.hex
    }
}

extension CommitManifest {
    /// The manifest version of a file that lists its entries through chunks.
    public static let chunkedManifestVersion: Int64 = 2

    /// The manifest as stored: the sealed top-level file and the chunks it names (none when
    /// its entries stay inline, and then `file` is `fileBytes`).
    public func stored(_ chunking: ManifestChunking = .standard) -> (file: [UInt8], chunks: [StoredObject]) {
        guard entries.count > chunking.inlineLimit else { return (fileBytes, []) }
        var chunks: [StoredObject] = []
        var out: [UInt8] = []
        var inChunk = 0
        func open() {
            out = []
            out.reserveCapacity(chunking.averageChunk * 400)
            out.append(contentsOf: #"{"policies":["#.utf8)
            inChunk = 0
        }
        func close() {
            out.append(contentsOf: "]}".utf8)
            chunks.append(StoredObject(canonical: out))
        }
        open()
        for e in entries {
            if inChunk > 0 { out.append(UInt8(ascii: ",")) }
            e.writeCanonical(into: &out)
            inChunk += 1
            if inChunk >= chunking.maximumChunk || chunking.endsChunk(e.path) {
                close()
                open()
            }
        }
        if inChunk > 0 { close() }
        return (Self.sealed(chunkedCanonicalBytes(chunks.map(\.reference))), chunks)
    }

    /// The canonical JSON of the top-level file of a chunked manifest.
    func chunkedCanonicalBytes(_ references: [String]) -> [UInt8] {
        canonicalBytes(version: Self.chunkedManifestVersion, reserving: references.count * 80) { out in
            out.append(contentsOf: ",\"policy_chunks\":".utf8)
            JSON.array(references.map(JSON.string)).writeCanonical(into: &out)
            out.append(contentsOf: ",\"policy_count\":\(entries.count)".utf8)
        }
    }

    /// The chunk references a top-level manifest names, nil when it keeps its entries inline.
    public static func chunkReferences(_ manifest: JSON) -> [String]? {
        guard let chunks = manifest["policy_chunks"]?.arrayValue else { return nil }
        return chunks.compactMap(\.stringValue)
    }

    /// A chunked manifest with its entries inline again, as version 1 lays it out: what
    /// readers of manifests see. Nil when a chunk is not `{"policies": [...]}` or the
    /// entries do not add up to `policy_count`.
    public static func joined(_ manifest: JSON, chunks: [JSON]) -> JSON? {
        guard case .object(let members) = manifest else { return nil }
        var policies: [JSON] = []
        for chunk in chunks {
            guard let list = chunk["policies"]?.arrayValue else { return nil }
            policies += list
        }
        if let count = manifest["policy_count"]?.integerValue, count != Int64(policies.count) { return nil }
        var out: [JSON.Member] = []
        for m in members {
            switch m.key {
            case "policy_chunks": out.append(JSON.Member("policies", .array(policies)))
            case "policy_count": continue
            case "manifest_version": out.append(JSON.Member(m.key, .integer(manifestVersion)))
            default: out.append(m)
            }
        }
        return .object(out)
    }
}
