import Engine
import Policy
@testable import Replay
import Testing

/// A commit against its base in one outage: what runs only with one, what runs at another
/// moment, which policies only one disables, which targets end elsewhere.
@Suite struct ReplayComparisonTests {
    typealias T = OutageReplayTests

    static let head = [
        "off": T.policy("web-off", selector: "104"),
        "on": T.policy("web-on", trigger: #"{"type": "timer.after", "after": "5m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                       action: #"{"capability_id": "sim.vm", "verb": "start"}"#),
        "poe": T.policy("poe-off", host: T.sw, type: "poe-port", selector: "1/1",
                        action: #"{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "off", "confirm": true}}"#),
    ]

    static func outage(until: String) throws -> Trace {
        try T.trace("""
        {"until": "\(until)", "hosts": {"sw-core-1": {"targets": [{"id": "poe-port:1/1", "state": "on"}], "faults": {"unreachable": true}}},
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}},
                    {"ts": "2026-10-14T02:20:00Z", "type": "ups.state", "attrs": {"state": "on_mains"}}]}
        """)
    }

    static func compare(until: String) async throws -> ReplayComparison {
        let trace = try outage(until: until)
        let base = await OutageReplay(set: T.set(T.policies), trace: trace).run()
        let head = await OutageReplay(set: T.set(Self.head), trace: trace).run()
        return ReplayComparison(base: base, head: head)
    }

    static func describe(_ c: ReplayComparison.Change) -> String {
        switch c {
        case .added(let a): return "+ \(a.ts.iso8601) \(a.policyName) \(a.verb) \(a.targetID) \(a.outcome)"
        case .removed(let a): return "- \(a.ts.iso8601) \(a.policyName) \(a.verb) \(a.targetID) \(a.outcome)"
        case .moved(let b, let h): return "~ \(b.ts.iso8601) → \(h.ts.iso8601) \(h.policyName) \(h.verb) \(h.targetID) \(h.outcome)"
        }
    }

    @Test func whatRunsDifferentlyInTimeOrder() async throws {
        let c = try await Self.compare(until: "2026-10-14T03:00:00Z")
        #expect(c.changes.map(Self.describe) == [
            "- 2026-10-14T02:13:05.000Z web-off shutdown vm:105 succeeded",
            "- 2026-10-14T02:22:00.000Z web-on start vm:105 succeeded",
            "~ 2026-10-14T02:22:00.000Z → 2026-10-14T02:25:00.000Z web-on start vm:104 succeeded",
        ])
        // The new PoE policy's host was unreachable in the outage: disabled with the commit only.
        #expect(c.disabledInHeadOnly == ["poe-off"] && c.disabledInBaseOnly.isEmpty)
        // Both end with the web tier running.
        #expect(c.endStates.isEmpty)
        #expect(!c.isEmpty)
        let json = c.json
        #expect(json["same"]?.boolValue == false)
        #expect(json["changes"]?.arrayValue?.count == 3)
    }

    @Test func targetsThatEndElsewhere() async throws {
        // Cut before the commit's later start: vm:104 is still down with it, up with the base.
        let c = try await Self.compare(until: "2026-10-14T02:23:00Z")
        #expect(c.endStates == [ReplayComparison.EndState(hostName: "sim-rack-a", targetID: "vm:104", base: "running", head: "stopped")])
        #expect(c.changes.map(Self.describe).contains("- 2026-10-14T02:22:00.000Z web-on start vm:104 succeeded"))
    }

    @Test func aCommitAgainstItselfIsTheSame() async throws {
        let trace = try Self.outage(until: "2026-10-14T03:00:00Z")
        let a = await OutageReplay(set: T.set(Self.head), trace: trace).run()
        let b = await OutageReplay(set: T.set(Self.head), trace: trace).run()
        let c = ReplayComparison(base: a, head: b)
        #expect(c.isEmpty && c.changes.isEmpty && c.endStates.isEmpty)
    }
}
