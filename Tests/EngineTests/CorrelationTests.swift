import Testing
import Drivers
@testable import Engine
@testable import Policy

/// The events the engine makes itself carry the correlation id of the event that armed
/// them (SPEC section 10), live and after a restart from the snapshot.
@Suite struct CorrelationTests {
    static let restore = World.policy("start", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                                      selector: #"{"mode": "list", "value": "108"}"#, action: #"{"capability_id": "sim.vm", "verb": "start"}"#)
    static let shed = World.policy("shed", trigger: #"{"type": "metric.threshold", "metric": "load", "op": ">", "value": 60, "for": "30s"}"#,
                                   selector: #"{"mode": "list", "value": "107"}"#)

    static func event(_ id: String, _ type: EventType, _ attrs: [String: String], at ts: Timestamp, correlation: String?) -> Event {
        Event(id: id, type: type, kind: attrs["state"] ?? attrs.keys.sorted().joined(separator: ","), subject: Subject(kind: "ups", id: "ups-main"),
              attrs: attrs, ts: ts, correlationID: correlation)
    }

    @Test func aTimerAfterCarriesTheCorrelationIDOfTheEventThatArmedIt() async {
        let h = await Harness(World.set(["start": Self.restore]))
        _ = await h.process(Self.event("b", .upsState, ["state": "on_battery"], at: h.clock.now(), correlation: "out-1"))
        _ = await h.process(Self.event("m", .upsState, ["state": "on_mains"], at: h.clock.now(), correlation: "out-1"))
        let fired = await h.advance(seconds: 121)
        let timer = fired.first { $0.kind == .event }
        #expect(timer?.event?.type == .timerAfter)
        #expect(timer?.correlationID == "out-1" && timer?.event?.correlationID == "out-1")
        #expect(!fired.decisions.isEmpty && fired.decisions.allSatisfy { $0.correlationID == "out-1" })
        #expect(!fired.executions.isEmpty && fired.executions.allSatisfy { $0.correlationID == "out-1" })
    }

    /// The latest event that armed the timer wins, also when it has no correlation id.
    @Test func reArmingTakesTheLatestEventsCorrelationID() async {
        let h = await Harness(World.set(["start": Self.restore]))
        _ = await h.process(Self.event("b1", .upsState, ["state": "on_battery"], at: h.clock.now(), correlation: "out-1"))
        _ = await h.process(Self.event("m1", .upsState, ["state": "on_mains"], at: h.clock.now(), correlation: "out-1"))
        h.clock.advance(seconds: 30)
        _ = await h.process(Self.event("b2", .upsState, ["state": "on_battery"], at: h.clock.now(), correlation: nil))
        _ = await h.process(Self.event("m2", .upsState, ["state": "on_mains"], at: h.clock.now(), correlation: nil))
        let fired = await h.advance(seconds: 121)
        let timer = fired.first { $0.kind == .event }
        #expect(timer?.event?.type == .timerAfter && timer?.correlationID == nil)
    }

    @Test func aHeldMetricCarriesTheCorrelationIDOfTheReadingThatStartedTheHold() async {
        let h = await Harness(World.set(["shed": Self.shed]))
        _ = await h.process(Self.event("l1", .metric, ["load": "75"], at: h.clock.now(), correlation: "out-1"))
        h.clock.advance(seconds: 10)
        _ = await h.process(Self.event("l2", .metric, ["load": "80"], at: h.clock.now(), correlation: "out-2"))  // the hold goes on
        let fired = await h.advance(seconds: 21)
        let hold = fired.first { $0.kind == .event }
        #expect(hold?.event?.type == .metricHold && hold?.correlationID == "out-1")
        #expect(fired.decisions.count == 1 && fired.decisions[0].correlationID == "out-1")
    }

    /// A restart rebuilds the state from the snapshot (its JSON) and from the ledger
    /// replayed: both keep the correlation id of an armed timer and of a running hold.
    @Test func armedTimersAndHoldsKeepTheirCorrelationIDAcrossARestart() async throws {
        let set = World.set(["start": Self.restore, "shed": Self.shed])
        let h = await Harness(set)
        _ = await h.process(Self.event("b", .upsState, ["state": "on_battery"], at: h.clock.now(), correlation: "out-1"))
        _ = await h.process(Self.event("l", .metric, ["load": "75"], at: h.clock.now(), correlation: "out-1"))
        _ = await h.process(Self.event("m", .upsState, ["state": "on_mains"], at: h.clock.now(), correlation: "out-1"))
        let live = await h.state
        var replayed = EngineState()
        for (i, r) in await h.records.enumerated() { replayed.apply(r, seq: Int64(i + 1), set: set) }
        let parsed = try #require(JSON.parse(live.json.canonicalBytes))
        let snapshot = try #require(EngineState(json: parsed))
        for state in [snapshot, replayed] {
            let engine = Engine(drivers: StandardDrivers(world: MemorySimulatedWorld(), clock: h.clock), clock: h.clock)
            await engine.apply(set)
            await engine.restore(state)
            let due = await engine.dueEvents(now: h.clock.now().adding(seconds: 121))
            #expect(due.map(\.type).sorted { $0.rawValue < $1.rawValue } == [.metricHold, .timerAfter])
            #expect(due.allSatisfy { $0.correlationID == "out-1" }, "\(due.map { ($0.type, $0.correlationID) })")
        }
    }
}
