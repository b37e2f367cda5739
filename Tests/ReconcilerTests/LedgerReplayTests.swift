import Engine
import Policy
import Testing
@testable import Reconciler

/// Recovery's replay: only the records after the snapshot change the state, every record
/// read moves the time the clock resumes from, and what is not a record is skipped.
@Suite struct LedgerReplayTests {
    func record(at ms: Int64) -> JSON {
        LedgerRecord(kind: .recovery, ts: Timestamp(milliseconds: ms), severity: .info, message: "started").json
    }

    @Test func recordsAfterAnEmptySnapshotAreAllReplayed() {
        var replay = LedgerReplay(snapshot: EngineState())
        #expect(replay.readFrom == 1)
        replay.apply(seq: 1, json: record(at: 1000), chain: "a", set: .empty)
        replay.apply(seq: 2, json: record(at: 3000), chain: "b", set: .empty)
        replay.apply(seq: 3, json: .object(["not": .string("a record")]), chain: "c", set: .empty)
        #expect(replay.replayed == 2)
        #expect(replay.state.lastSeq == 2)
        #expect(replay.latest == Timestamp(milliseconds: 3000))
    }

    @Test func theSnapshotsOwnRecordOnlyMovesTheClock() {
        var snapshot = EngineState()
        snapshot.mark(seq: 5, chain: "e")
        var replay = LedgerReplay(snapshot: snapshot)
        #expect(replay.readFrom == 5)
        replay.apply(seq: 5, json: record(at: 9000), chain: "e", set: .empty)
        #expect(replay.replayed == 0)
        #expect(replay.latest == Timestamp(milliseconds: 9000))
        // A record stamped earlier (a wall clock that went back) does not move it back.
        replay.apply(seq: 6, json: record(at: 4000), chain: "f", set: .empty)
        #expect(replay.replayed == 1)
        #expect(replay.state.lastSeq == 6)
        #expect(replay.latest == Timestamp(milliseconds: 9000))
    }
}
