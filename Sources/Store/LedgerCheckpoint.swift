import Policy

/// Where the ledger's chain starts once old segments were pruned (SPEC section 10): the seq
/// and chain of the last record removed, and the first segment kept. `ledger/checkpoint.json`
/// holds it, sealed with its checksum as manifests are; `--verify` and the ledger's own
/// opening check the first kept record against it, so the chain is still proved from there
/// on. It is written before any segment is removed: a crash in between leaves segments
/// before `firstSegment`, which are ignored and removed by the next `gc`.
public struct LedgerCheckpoint: Sendable, Equatable {
    /// The seq of the last record pruned (the first kept record is `seq + 1`).
    public var seq: Int64
    /// That record's chain (hex).
    public var chain: String
    /// The name of the first segment kept (`seg-NNNNNN.log`).
    public var firstSegment: String

    /// A checkpoint.
    public init(seq: Int64, chain: String, firstSegment: String) {
        self.seq = seq
        self.chain = chain
        self.firstSegment = firstSegment
    }

    /// The file's path under the state directory.
    public static func path(stateDirectory: String) -> String { stateDirectory + "/ledger/checkpoint.json" }

    /// The checkpoint as its file holds it.
    public var fileBytes: [UInt8] {
        CommitManifest.sealed(JSON.object(["chain": .string(chain), "first_segment": .string(firstSegment), "seq": .integer(seq)]).canonicalBytes)
    }

    /// The checkpoint of the ledger in `stateDirectory`: nil when nothing was ever pruned;
    /// a file that fails its checksum or says nothing sensible is corruption.
    public static func read(stateDirectory: String) throws -> LedgerCheckpoint? {
        let path = path(stateDirectory: stateDirectory)
        guard let bytes = try AtomicFile.read(path) else { return nil }
        guard case .success(let json) = CommitManifest.unsealed(bytes), let seq = json["seq"]?.integerValue, seq > 0,
              let chain = json["chain"]?.stringValue, chain.utf8.count == 64, chain.utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 }),
              let first = json["first_segment"]?.stringValue, first.hasPrefix("seg-"), first.hasSuffix(".log") else {
            throw Ledger.CorruptionError(message: "the ledger's checkpoint \(path) fails its checksum or is malformed: the chain of the records kept after pruning cannot be proved")
        }
        return LedgerCheckpoint(seq: seq, chain: chain, firstSegment: first)
    }
}
