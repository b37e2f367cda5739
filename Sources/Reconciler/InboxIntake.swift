import Engine
import Policy
import Store

/// Event intake from the inbox: one entry read, checked and turned into an event stamped
/// by the engine's clock, or rejected (moved to `inbox/rejected/`) with the ledger record
/// that says why. The caller records, decides and removes; the clock is injected.
struct InboxIntake {
    let inbox: Inbox
    let clock: any EngineClock

    /// What became of one inbox entry.
    enum Outcome {
        /// Gone meanwhile (consumed or moved by someone else).
        case vanished
        /// An event the engine consumed already: its file was removed, nothing is done again.
        case consumed
        /// Not an event, or one refused: moved aside (or, when it could not be, `unremovable`),
        /// and `record` says so.
        case rejected(LedgerRecord, unremovable: Bool)
        /// An event to decide: stamped with the engine's clock (the sender's time kept as
        /// `emitted_at`), a UPS event without a subject given the primary UPS.
        case event(Event)
    }

    /// Reads the entry `name`; `hasConsumed` asks the engine whether an event id was consumed.
    func take(_ name: String, primaryUPS: String?, hasConsumed: (String) async -> Bool) async -> Outcome {
        let bytes: [UInt8]
        switch inbox.take(name) {
        case .vanished: return .vanished
        case .file(let b): bytes = b
        case .refused(let reason):
            let done = inbox.reject(name)
            let disposition = done ?? "left in place: it could be neither moved aside nor removed"
            return .rejected(LedgerRecord(kind: .event, ts: clock.now(), severity: .error,
                                          message: "inbox entry \(name) rejected: \(reason); \(disposition)",
                                          details: .object(["file": .string(name), "reason": .string(reason), "disposition": .string(disposition)])),
                             unremovable: done == nil)
        }
        guard let json = JSON.parse(bytes), var event = Event(json: json) else {
            inbox.reject(name)
            return .rejected(LedgerRecord(kind: .event, ts: clock.now(), severity: .error, message: "inbox file \(name) is not an event; moved to inbox/rejected/",
                                          details: .object(["file": .string(name)])), unremovable: false)
        }
        if await hasConsumed(event.id) {
            inbox.remove(name)
            return .consumed
        }
        do {
            event = try event.validated()
        } catch {
            inbox.reject(name)
            return .rejected(LedgerRecord(kind: .event, ts: clock.now(), severity: .error, correlationID: event.correlationID, eventID: event.id,
                                          message: "event \(event.id) refused: \(error.message); moved to inbox/rejected/",
                                          details: .object(["file": .string(name)])), unremovable: false)
        }
        // The engine's clock decides when things happen; the sender's time is kept.
        event.attrs["emitted_at"] = event.ts.iso8601
        event.ts = clock.now()
        if event.subject.kind.isEmpty, let ups = primaryUPS, event.type == .upsState || event.type == .metric {
            event.subject = Subject(kind: "ups", id: ups)
        }
        return .event(event)
    }
}
