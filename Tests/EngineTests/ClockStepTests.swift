import Testing
import Drivers
@testable import Engine
@testable import Policy

/// A clock that went back (set back by hand, or a state carried over from a drill run
/// faster than real time) never makes a window out of a negative age.
@Suite struct ClockStepTests {
    static let drill = World.policy("drill", trigger: #"{"type": "webhook.custom", "name": "drill"}"#,
                                    action: #"{"capability_id": "sim.vm", "verb": "reset"}"#,
                                    extra: #""suppression_window": "5m", "idempotency_window": "0s""#)
    static let drillSubject = Subject(kind: "webhook", id: "drill")

    @Test func aMatchStampedInTheFutureDoesNotSuppress() async {
        let h = await Harness(World.set(["drill": Self.drill]))
        #expect(await h.send(.webhook, ["name": "drill"], subject: Self.drillSubject).outcomes().filter { $0 == "scheduled" }.count == 3)
        h.clock.advance(seconds: -726)
        let again = await h.send(.webhook, ["name": "drill"], subject: Self.drillSubject)
        #expect(again.decisions.count == 1)
        #expect(again.decisions.first?.details["code"]?.stringValue != "PO5009", "\(again.decisions.map(\.message))")
        #expect(again.outcomes().filter { $0 == "scheduled" }.count == 3)
    }

    @Test func anExecutionStampedInTheFutureIsNotWithinTheIdempotencyWindow() async {
        let p = World.policy("go-now", trigger: #"{"type": "webhook.custom", "name": "go"}"#, action: #"{"capability_id": "sim.vm", "verb": "reset"}"#,
                             extra: #""suppression_window": "0s", "idempotency_window": "10m""#)
        let h = await Harness(World.set(["go-now": p]))
        let go = Subject(kind: "webhook", id: "go")
        #expect(await h.send(.webhook, ["name": "go"], subject: go).outcomes().filter { $0 == "scheduled" }.count == 3)
        h.clock.advance(seconds: -60)
        let again = await h.send(.webhook, ["name": "go"], subject: go)
        #expect(again.outcomes().filter { $0 == "scheduled" }.count == 3, "\(again.decisions.map(\.message))")
    }

    /// The reconciler's clock counts on the monotonic clock: the wall clock set back by
    /// 726 s during a run moves nothing.
    @Test func aSteadyClockIgnoresTheWallClockSetBack() {
        let wall = ManualClock()
        let monotonic = ManualClock(Timestamp(milliseconds: 5_000))
        let clock = SteadyClock(wall: wall, monotonic: { monotonic.now().milliseconds })
        let start = wall.now()
        #expect(clock.now() == start)
        monotonic.advance(seconds: 10)
        wall.advance(seconds: -726)
        #expect(clock.now() == start.adding(seconds: 10))
        wall.advance(seconds: 7200)
        #expect(clock.now() == start.adding(seconds: 10), "a step forward is not followed within a run either")
    }

    @Test func aScaledSteadyClockRunsFasterOnTheMonotonicClock() {
        let wall = ManualClock()
        let monotonic = ManualClock(Timestamp(milliseconds: 0))
        let clock = SteadyClock(scale: 60, wall: wall, monotonic: { monotonic.now().milliseconds })
        monotonic.advance(milliseconds: 2_000)
        #expect(clock.now() == wall.now().adding(seconds: 120))
    }

    /// After a restart on a wall clock that went back, the clock resumes from the latest
    /// time recorded, and never moves back for an earlier one.
    @Test func aRestartResumesFromTheLatestRecordedTime() {
        let wall = ManualClock()
        let monotonic = ManualClock(Timestamp(milliseconds: 0))
        let recorded = wall.now()
        wall.advance(seconds: -726)
        let clock = SteadyClock(wall: wall, monotonic: { monotonic.now().milliseconds })
        clock.resume(notBefore: recorded)
        #expect(clock.now() == recorded)
        monotonic.advance(seconds: 30)
        #expect(clock.now() == recorded.adding(seconds: 30))
        clock.resume(notBefore: recorded.adding(seconds: 5))
        #expect(clock.now() == recorded.adding(seconds: 30))
    }

    /// The whole story at the engine: a match, a restart on a wall clock set back by 726 s,
    /// and the suppression window measured from the match on the resumed clock — suppressed
    /// 60 s later with a true age, free again when the five minutes are over.
    @Test func theSuppressionWindowSurvivesARestartOnAClockThatWentBack() async throws {
        let set = World.set(["drill": Self.drill])
        let wall = ManualClock()
        let monotonic = ManualClock(Timestamp(milliseconds: 0))
        func engine(_ clock: SteadyClock) async -> Engine {
            let e = Engine(drivers: StandardDrivers(world: MemorySimulatedWorld(), clock: clock), clock: clock)
            await e.apply(set)
            return e
        }
        func drill(_ e: Engine, _ clock: SteadyClock, _ id: String) async -> LedgerRecord? {
            await e.process(Event(id: id, type: .webhook, kind: "drill", subject: Self.drillSubject, attrs: ["name": "drill"], ts: clock.now())).records.decisions.first
        }
        let first = SteadyClock(wall: wall, monotonic: { monotonic.now().milliseconds })
        let before = await engine(first)
        #expect(await drill(before, first, "d1")?.details["code"] == nil)
        let state = await before.state
        wall.advance(seconds: -726)
        let second = SteadyClock(wall: wall, monotonic: { monotonic.now().milliseconds })
        second.resume(notBefore: try #require(state.latestStamp))
        let after = await engine(second)
        await after.restore(state)
        monotonic.advance(seconds: 60)
        let suppressed = try #require(await drill(after, second, "d2"))
        #expect(suppressed.details["code"]?.stringValue == "PO5009" && suppressed.message.contains("matched 60 s ago"), "\(suppressed.message)")
        monotonic.advance(seconds: 241)
        let free = try #require(await drill(after, second, "d3"))
        #expect(free.details["code"] == nil && free.results.map(\.outcome) == ["scheduled", "scheduled", "scheduled"], "\(free.message)")
    }
}
