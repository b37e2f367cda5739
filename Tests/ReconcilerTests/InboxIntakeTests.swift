import Engine
import Policy
import Store
import Testing
import TestSupport
@testable import Reconciler

/// One inbox entry at a time: an event is stamped by the engine's (manual) clock, what is
/// not one is moved aside with the record that says why, a consumed one is only removed.
@Suite struct InboxIntakeTests {
    let clock = ManualClock()

    func event(_ id: String, subject: Subject = Subject(kind: "", id: ""), at ms: Int64 = 1_000) -> Event {
        Event(id: id, type: .upsState, kind: "on_battery", subject: subject, attrs: ["state": "on_battery"], ts: Timestamp(milliseconds: ms))
    }

    @Test func anEventIsStampedByTheEnginesClockAndGivenThePrimaryUPS() async throws {
        let state = TemporaryDirectory("intake-event")
        let inbox = Inbox(stateDirectory: state.path)
        let name = try inbox.put(event("e1").json, id: "e1", milliseconds: 1_000)
        clock.advance(seconds: 60)
        let outcome = await InboxIntake(inbox: inbox, clock: clock).take(name, primaryUPS: "ups-main", hasConsumed: { _ in false })
        guard case .event(let taken) = outcome else { Issue.record("\(outcome)"); return }
        #expect(taken.ts == clock.now())
        #expect(taken.attrs["emitted_at"] == Timestamp(milliseconds: 1_000).iso8601)
        #expect(taken.subject == Subject(kind: "ups", id: "ups-main"))
        // The caller removes it once decided and recorded.
        #expect(inbox.pending() == [name])
    }

    @Test func aConsumedEventIsRemovedAndNotTakenAgain() async throws {
        let state = TemporaryDirectory("intake-consumed")
        let inbox = Inbox(stateDirectory: state.path)
        let name = try inbox.put(event("e2").json, id: "e2", milliseconds: 1_000)
        let outcome = await InboxIntake(inbox: inbox, clock: clock).take(name, primaryUPS: nil, hasConsumed: { $0 == "e2" })
        guard case .consumed = outcome else { Issue.record("\(outcome)"); return }
        #expect(inbox.pending().isEmpty)
    }

    @Test func aFileThatIsNotAnEventIsMovedAsideWithItsRecord() async throws {
        let state = TemporaryDirectory("intake-junk")
        state.write("inbox/000000000000001-junk.json", "{\"hello\": 1}")
        let inbox = Inbox(stateDirectory: state.path)
        let outcome = await InboxIntake(inbox: inbox, clock: clock).take("000000000000001-junk.json", primaryUPS: nil, hasConsumed: { _ in false })
        guard case .rejected(let record, let unremovable) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!unremovable)
        #expect(record.kind == .event && record.severity == .error && record.ts == clock.now())
        #expect(record.message.contains("is not an event"))
        #expect(inbox.pending().isEmpty)
        #expect(state.read("inbox/rejected/000000000000001-junk.json") != nil)
    }

    @Test func aVanishedEntryIsNothing() async {
        let state = TemporaryDirectory("intake-vanished")
        let outcome = await InboxIntake(inbox: Inbox(stateDirectory: state.path), clock: clock).take("000000000000001-gone.json", primaryUPS: nil, hasConsumed: { _ in false })
        guard case .vanished = outcome else { Issue.record("\(outcome)"); return }
    }
}
