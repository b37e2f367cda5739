import Policy

/// What the engine snapshot (`engine-state.json`) says it has seen of the ledger: the seq
/// of the last record and its chain. The ledger must still hold that very record; when it
/// does not, records were lost at its end (a ledger cut at a record boundary verifies on
/// its own), and acting on it would do again what those records had done.
public struct LedgerMark: Sendable, Equatable {
    /// The seq of the last record the snapshot has seen.
    public var seq: Int64
    /// That record's chain (hex); nil in snapshots written before the chain was kept.
    public var chain: String?

    /// A mark.
    public init(seq: Int64, chain: String?) {
        self.seq = seq
        self.chain = chain
    }

    /// The mark of the snapshot in `stateDirectory`; nil when there is none or it is unreadable.
    public static func snapshot(stateDirectory: String) -> LedgerMark? {
        guard let bytes = try? AtomicFile.read(stateDirectory + "/engine-state.json"), let json = JSON.parse(bytes),
              let seq = json["last_seq"]?.integerValue else { return nil }
        return LedgerMark(seq: seq, chain: json["last_chain"]?.stringValue)
    }

    /// Throws when the ledger in `stateDirectory`, whose last record is `ledgerLast`, does
    /// not hold the record this mark names.
    public func check(stateDirectory: String, ledgerLast: Int64) throws(Ledger.CorruptionError) {
        guard seq > 0 else { return }
        guard seq <= ledgerLast else {
            throw Ledger.CorruptionError(message: "the engine snapshot engine-state.json has seen the ledger through seq \(seq) but the ledger ends at seq \(ledgerLast): \(seq - ledgerLast) records are missing at its end. Stopping rather than act on what they recorded a second time; restore the ledger from a backup, or move the state directory aside to start anew")
        }
        guard let chain else { return }
        let found = Ledger.chain(stateDirectory: stateDirectory, at: seq)
        guard found == chain else {
            throw Ledger.CorruptionError(message: "the engine snapshot engine-state.json has seen seq \(seq) with chain \(chain.prefix(12))… but the ledger's record \(seq) has chain \(found.map { String($0.prefix(12)) + "…" } ?? "none"): the ledger is not the one the snapshot was written from")
        }
    }
}
