import Engine
import Policy

/// Recovery's replay: the ledger's records after the engine snapshot, applied to it in
/// order, and the latest time recorded (from the snapshot's last record on) so that the
/// engine's clock resumes from it: a wall clock that went back while the reconciler was
/// stopped makes no negative age. No I/O: the records are handed in.
struct LedgerReplay {
    /// The engine state, brought up to the last record applied.
    private(set) var state: EngineState
    /// Records applied (those after the snapshot).
    private(set) var replayed = 0
    /// The latest time of a record seen, the snapshot's own included.
    private(set) var latest: Timestamp?

    /// A replay from `snapshot` (an empty state: from the ledger's first record).
    init(snapshot: EngineState) {
        state = snapshot
        latest = snapshot.latestStamp
    }

    /// The sequence number to read the ledger from: the snapshot's last record, so that
    /// its time counts too.
    var readFrom: Int64 { max(1, state.lastSeq) }

    /// Applies one ledger entry; one the snapshot has seen only moves `latest`, one that
    /// is not a record is skipped.
    mutating func apply(seq: Int64, json: JSON, chain: String, set: PolicySet) {
        guard let record = LedgerRecord(json: json) else { return }
        if latest.map({ record.ts > $0 }) ?? true { latest = record.ts }
        guard seq > state.lastSeq else { return }
        state.apply(record, seq: seq, set: set)
        state.mark(seq: seq, chain: chain)
        replayed += 1
    }
}
