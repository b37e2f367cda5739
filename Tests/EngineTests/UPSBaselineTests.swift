import Testing
import Drivers
@testable import Engine
@testable import Policy

/// A UPS monitor's first reading (`baseline: true`) sets what the engine knows of the UPS;
/// it is a change, and fires and arms policies, only when the engine's saved state says the
/// UPS was in another state.
@Suite struct UPSBaselineTests {
    static let set = World.set([
        "shutdown": World.policy("shutdown-web"),
        "start": World.policy("start-web", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                              action: #"{"capability_id": "sim.vm", "verb": "start"}"#),
    ])

    @Test func aFirstReadingOnAFreshStateArmsAndFiresNothing() async {
        let h = await Harness(Self.set)
        let records = await h.send(.upsState, ["state": "on_mains", "baseline": "true"])
        #expect(records.count == 1 && records[0].kind == .event && !records[0].message.contains("armed"), "\(records.map(\.message))")
        #expect(await h.state.timersAfter.isEmpty)
        #expect(await h.state.ups["ups-main"]?.state == .onMains)
        #expect(await h.advance(seconds: 600).isEmpty)
    }

    /// Nothing was known before: the first reading is measured against the normal state, on
    /// mains, so a reconciler started in the middle of an outage still shuts down.
    @Test func aFirstReadingOnBatteryOnAFreshStateIsAnOutage() async {
        let h = await Harness(Self.set)
        let records = await h.send(.upsState, ["state": "on_battery", "baseline": "true"])
        #expect(records.decisions.count == 1 && records.outcomes().filter { $0 == "scheduled" }.count == 3, "\(records.map(\.message))")
        #expect(await h.state.ups["ups-main"]?.state == .onBattery)
        #expect(await h.state.ups["ups-main"]?.onBatterySince != nil)
    }

    @Test func aFirstReadingThatDiffersFromTheSavedStateIsAChange() async {
        let h = await Harness(Self.set)
        _ = await h.send(.upsState, ["state": "on_mains"])
        let changed = await h.send(.upsState, ["state": "on_battery", "baseline": "true"])
        #expect(changed.decisions.count == 1 && changed.outcomes().filter { $0 == "scheduled" }.count == 3)
        let back = await h.send(.upsState, ["state": "on_mains", "baseline": "true"])
        #expect(back[0].message.contains("1 timer armed"), "\(back.map(\.message))")
        let same = await h.send(.upsState, ["state": "on_mains", "baseline": "true"])
        #expect(same.count == 1 && !same[0].message.contains("armed"))
    }
}
