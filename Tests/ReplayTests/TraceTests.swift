import Drivers
import Engine
import Policy
@testable import Replay
import Testing

/// Reading traces: the three shapes, and every way one can be wrong.
@Suite struct TraceTests {
    func read(_ text: String) -> Result<Trace, TraceProblems> { Trace.read(Array(text.utf8)) }

    func problems(_ text: String) -> [Trace.Problem] {
        if case .failure(let f) = read(text) { return f.problems }
        return []
    }

    @Test func aTraceObjectWithHostsAndTimes() throws {
        let trace = try read("""
        {"version": 1, "description": "drill", "start": "2026-10-14T02:00:00Z", "until": "2026-10-14T04:00:00Z",
         "hosts": {"pve-1": {"targets": [{"id": "vm:200", "name": "db-1", "state": "running", "labels": {"tier": "db"}}],
                             "faults": {"fail_targets": ["vm:200"]}}},
         "events": [
           {"ts": "2026-10-14T02:30:00Z", "type": "metric", "subject": {"kind": "ups", "id": "ups-main"}, "attrs": {"load": 72, "charge_pct": "80"}},
           {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "subject": "ups:ups-main", "attrs": {"state": "on_battery"}},
           {"ts": "2026-10-14T02:40:00Z", "type": "webhook.custom", "attrs": {"name": "drill-end"}, "correlation_id": "drill-7"}]}
        """).get()
        // In time order; ids given by position in the file.
        #expect(trace.events.map(\.id) == ["trace-2", "trace-1", "trace-3"])
        #expect(trace.events.map(\.type) == [.upsState, .metric, .webhook])
        #expect(trace.events[0].kind == "on_battery")
        #expect(trace.events[0].subject == Subject(kind: "ups", id: "ups-main"))
        #expect(trace.events[1].attrs == ["load": "72", "charge_pct": "80"])
        #expect(trace.events[2].correlationID == "drill-7")
        #expect(trace.events[2].subject.kind.isEmpty)
        #expect(trace.start == Timestamp(iso8601: "2026-10-14T02:00:00Z"))
        #expect(trace.until == Timestamp(iso8601: "2026-10-14T04:00:00Z"))
        let host = try #require(trace.hosts["pve-1"])
        #expect(host.targets.map(\.id) == ["vm:200"])
        #expect(host.targets.first?.labels == ["tier": "db"])
        #expect(host.faults.failTargets == ["vm:200"])
    }

    /// `policyops ledger --format json` output: the consumed events are replayed, the
    /// engine's own timer events and every other record are left out and counted.
    @Test func aLedgerExport() throws {
        let event = #"{"attrs": {"state": "on_battery"}, "correlation_id": null, "id": "a1", "kind": "on_battery", "subject": {"id": "ups-main", "kind": "ups"}, "ts": "2026-10-14T02:13:05.000Z", "type": "ups.state"}"#
        let timer = #"{"attrs": {"policy": "p", "trigger": "0"}, "correlation_id": null, "id": "t1", "kind": "after", "subject": {"id": "p", "kind": "policy"}, "ts": "2026-10-14T02:15:05.000Z", "type": "timer.after"}"#
        let trace = try read("""
        [{"seq": 1, "ts": "2026-10-14T02:00:00.000Z", "kind": "commit", "details": {"status": "applied"}, "results": []},
         {"seq": 2, "ts": "2026-10-14T02:13:05.000Z", "kind": "event", "details": {"event": \(event), "fired": 1, "matched": 1}},
         {"seq": 3, "ts": "2026-10-14T02:13:05.000Z", "kind": "decision", "details": {}, "results": []},
         {"seq": 4, "ts": "2026-10-14T02:15:05.000Z", "kind": "event", "details": {"event": \(timer), "fired": 1, "matched": 1}}]
        """).get()
        #expect(trace.events.map(\.id) == ["a1"])
        #expect(trace.ignored == ["commit records": 1, "decision records": 1, "timer.after events": 1])
    }

    @Test func jsonLinesOfEvents() throws {
        let trace = try read("""
        {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}

        {"ts": "2026-10-14T02:20:05Z", "type": "ups.state", "attrs": {"state": "on_mains"}}
        """).get()
        #expect(trace.events.map(\.kind) == ["on_battery", "on_mains"])
    }

    @Test func aBrokenLineOfJSONLinesIsPlacedOnItsLine() {
        let found = problems("""
        {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}
        {"ts": "2026-10-14T02:20:05Z", "type": "ups.state", "attrs": {"state": "on_mains"}
        {"ts": "2026-10-14T02:20:05Z", "type": "ups.stat", "attrs": {"state": "on_mains"}}
        """)
        #expect(found.map(\.line) == [2, 3])
        #expect(found[1].pointer == "/1/type")
    }

    @Test func malformedJSONIsPlaced() {
        let found = problems("{\"events\": [\n  {\"ts\": \"2026-10-14T02:13:05Z\",, }\n]}")
        #expect(found.count >= 1)
        #expect(found.first?.line == 2)
    }

    @Test func everyBadEventIsReportedWithItsPointer() {
        let found = problems("""
        {"version": 2, "colour": "red", "events": [
          {"ts": "yesterday", "type": "ups.state", "attrs": {"state": "on_battery"}},
          {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "smoking"}},
          {"ts": "2026-10-14T02:13:05Z", "type": "metric", "attrs": {"load": "high"}},
          {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "subject": 7, "attrs": {"state": "on_battery"}},
          {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}, "sevrity": "info"},
          {"type": "ups.state"},
          {"ts": "2026-10-14T02:13:05Z", "type": "webhook.custom", "attrs": {"name": ["x"]}},
          {"id": "x", "ts": "2026-10-14T02:13:05Z", "type": "webhook.custom", "attrs": {"name": "a"}},
          {"id": "x", "ts": "2026-10-14T02:13:06Z", "type": "webhook.custom", "attrs": {"name": "b"}},
          "on_battery"]}
        """)
        let pointers = found.map(\.pointer)
        #expect(pointers.contains("/version"))
        #expect(pointers.contains("/colour"))
        #expect(pointers.contains("/events/0/ts"))
        #expect(pointers.contains("/events/1"))
        #expect(found.first { $0.pointer == "/events/1" }?.message.contains("state") == true)
        #expect(pointers.contains("/events/2"))
        #expect(pointers.contains("/events/3/subject"))
        #expect(pointers.contains("/events/4/sevrity"))
        #expect(pointers.contains("/events/5"))
        #expect(pointers.contains("/events/6/attrs/name"))
        #expect(found.contains { $0.pointer == "/events/8" && $0.message.contains("used twice") })
        #expect(pointers.contains("/events/9"))
        // Positions are the file's: /colour is on line 1, /events/4/sevrity on line 6.
        #expect(found.first { $0.pointer == "/colour" }?.line == 1)
        #expect(found.first { $0.pointer == "/events/4/sevrity" }?.line == 6)
    }

    @Test func aTraceWithNothingToReplay() {
        #expect(problems(#"{"events": []}"#).first?.message.contains("no events") == true)
        let onlyTimers = problems(#"[{"ts": "2026-10-14T02:13:05Z", "type": "timer.at"}]"#)
        #expect(onlyTimers.first?.message.contains("1 timer.at events") == true)
        #expect(problems("42").first?.message.contains("not an integer") == true)
        #expect(problems(#"{"description": "no events"}"#).first?.message.contains("needs \"events\"") == true)
    }

    @Test func startAndUntilMustFrameTheEvents() {
        let found = problems("""
        {"start": "2026-10-14T03:00:00Z", "until": "2026-10-14T01:00:00Z",
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}]}
        """)
        #expect(found.map(\.pointer) == ["/start", "/until"])
    }

    @Test func hostileInputIsRefusedNotFollowed() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(!problems(deep).isEmpty)
        var huge = [UInt8](repeating: UInt8(ascii: " "), count: Trace.maxBytes + 1)
        huge[0] = UInt8(ascii: "[")
        if case .failure(let f) = Trace.read(huge) {
            #expect(f.problems.first?.message.contains("larger than") == true)
        } else {
            Issue.record("a trace over the limit was read")
        }
        #expect(!problems("\u{0}\u{1}\u{2}").isEmpty)
        #expect(!problems("").isEmpty)
    }

    @Test func hostStatesAreChecked() {
        let found = problems("""
        {"hosts": {"pve-1": {"targets": [{"id": "disk:1"}], "faults": {"on_fire": true}, "kind": "x"}, "sw": []},
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}]}
        """)
        #expect(Set(found.map(\.pointer)) == ["/hosts/pve-1/targets/0", "/hosts/pve-1/faults/on_fire", "/hosts/pve-1/kind", "/hosts/sw"])
    }
}
