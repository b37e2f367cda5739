import Foundation
import Testing
import Drivers
@testable import Engine
@testable import Policy

@Suite struct ReplayTests {
    /// The state is made only of records: replaying them on an empty state gives it back.
    @Test func replayingTheRecordsGivesTheSameState() async {
        let set = World.set([
            "shutdown": World.policy("shutdown-web", extra: #""suppression_window": "1m""#),
            "start": World.policy("start-web", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                                  action: #"{"capability_id": "sim.vm", "verb": "start"}"#),
            "shed": World.policy("shed", trigger: #"{"type": "ups.state", "equals": "on_battery"}, {"type": "metric.threshold", "metric": "load", "op": ">", "value": 60, "for": "30s"}"#,
                                 logic: "ALL", selector: #"{"mode": "list", "value": "107"}"#),
        ])
        let h = await Harness(set)
        _ = await h.send(.upsState, ["state": "on_battery", "charge_pct": "90"])
        _ = await h.send(.metric, ["load": "75"])
        _ = await h.advance(seconds: 45)
        _ = await h.send(.upsState, ["state": "on_mains"])
        _ = await h.advance(seconds: 60)
        var replayed = EngineState()
        let records = await h.records
        for (i, r) in records.enumerated() { replayed.apply(r, seq: Int64(i + 1), set: set) }
        let live = await h.state
        #expect(replayed.json.canonicalString == live.json.canonicalString)
        #expect(!live.timersAfter.isEmpty)
        // And the snapshot's JSON reads back to the same state.
        #expect(EngineState(json: JSON.parse(live.json.canonicalBytes)!)?.json.canonicalString == live.json.canonicalString)
    }
}

@Suite struct ConcurrencyTests {
    /// Many events for hosts at random moments: one execution at a time per host, however
    /// the jobs interleave; different hosts overlap; the global cap holds.
    @Test(arguments: [1, 2, 3, 4, 5])
    func executionsOfOneHostNeverOverlap(seed: UInt64) async throws {
        var rng = SplitMix(seed: seed)
        var policies: [String: String] = [:]
        for i in 0..<8 {
            let host = i % 2 == 0 ? World.rack : World.poe
            let target = host == World.rack
                ? (#"{"mode": "list", "value": "\#([101, 104, 105, 106, 107, 108][i % 6])"}"#, "vm", #"{"capability_id": "sim.vm", "verb": "reset"}"#)
                : (#"{"mode": "list", "value": "\#(["1/1", "1/2", "1/A1", "1/B2"][i % 4])"}"#, "poe-port", #"{"capability_id": "sim.poe.port", "verb": "set", "params": {"state": "cycle"}}"#)
            policies["p\(i)"] = World.policy("policy-\(i)", trigger: #"{"type": "webhook.custom", "name": "go-\#(i % 3)"}"#, host: host, type: target.1,
                                             selector: target.0, action: target.2, extra: #""suppression_window": "0s", "idempotency_window": "0s""#)
        }
        let h = await Harness(World.set(policies), maxConcurrency: 3, workMilliseconds: 2, realTime: true)
        var sent = 0
        for _ in 0..<40 {
            let name = "go-\(Int(rng.next() % 3))"
            _ = await h.send(.webhook, ["name": name], subject: Subject(kind: "webhook", id: name), runJobs: false)
            sent += 1
            if rng.next() % 4 == 0 { try await Task.sleep(nanoseconds: UInt64(rng.next() % 3_000_000)) }
        }
        await h.scheduler.drain()
        var intervals: [(String, Int64, Int64)] = []
        for host in [World.rack, World.poe] {
            let runs = await h.executions(host).map { (host, $0.started.milliseconds, $0.finished.milliseconds) }
            intervals += runs
            let sorted = runs.sorted { $0.1 < $1.1 }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                #expect(a.2 <= b.1, "host \(host): an execution started at \(b.1) before the previous one ended at \(a.2)")
            }
        }
        let executed = await h.records.executions.flatMap(\.results).filter { $0.outcome == "succeeded" }.count
        #expect(executed == intervals.count)
        #expect(executed > 0)
    }

    @Test func differentHostsRunInParallelUpToTheCap() async throws {
        let hosts = (0..<4).map { i in
            #"{"id": "00000000-0000-4000-8000-00000000000\#(i)", "name": "sim-\#(i)", "driver": "sim", "connection": {"targets": [{"id": "vm:1", "state": "running"}]}}"#
        }
        var policies: [String: String] = [:]
        for i in 0..<4 {
            policies["p\(i)"] = World.policy("reset-\(i)", trigger: #"{"type": "webhook.custom", "name": "go"}"#, host: "00000000-0000-4000-8000-00000000000\(i)",
                                             selector: #"{"mode": "list", "value": "1"}"#, action: #"{"capability_id": "sim.vm", "verb": "reset"}"#)
        }
        let h = await Harness(World.set(policies, hosts: hosts), maxConcurrency: 2, workMilliseconds: 150, realTime: true)
        let records = await h.send(.webhook, ["name": "go"], subject: Subject(kind: "webhook", id: "go"))
        #expect(records.executions.flatMap(\.results).map(\.outcome) == ["succeeded", "succeeded", "succeeded", "succeeded"], "\(records.map(\.message))")
        // At most two ran at once.
        var runs: [(Int64, Int64)] = []
        for i in 0..<4 { runs += await h.executions("00000000-0000-4000-8000-00000000000\(i)").map { ($0.started.milliseconds, $0.finished.milliseconds) } }
        // A sweep over start and end times: ends before starts at the same millisecond.
        let edges = runs.flatMap { [($0.0, 1), ($0.1, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var active = 0, most = 0
        for (_, d) in edges {
            active += d
            most = max(most, active)
        }
        #expect(most == 2, "at most two at once, and two did run together")
    }
}

/// A small deterministic random number generator for reproducible schedules.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RecordBytesTests {
    /// Records written directly are byte for byte the canonical form of their JSON: every
    /// kind a run of the engine makes (events, decisions with results and jobs, starts,
    /// executions, timers), and events whose text needs escaping.
    @Test func directBytesAreTheCanonicalJSON() async throws {
        let set = World.set([
            "shutdown": World.policy("shutdown-web"),
            "start": World.policy("start-web", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                                  action: #"{"capability_id": "sim.vm", "verb": "start"}"#),
        ])
        let h = await Harness(set)
        _ = await h.send(.upsState, ["state": "on_battery", "charge_pct": "90", "note \"quoted\"": "ünï\\code\n\u{1}"])
        _ = await h.send(.upsState, ["state": "on_mains"])
        _ = await h.advance(seconds: 150)
        let records = await h.records
        #expect(Set(records.map(\.kind)).isSuperset(of: [.commit, .event, .decision, .start, .execution]))
        for r in records {
            #expect(r.canonicalBytes == r.json.canonicalBytes, "\(r.kind) \(r.message)")
        }
        // A record of a consumed event reads back with its event.
        let first = try #require(records.first { $0.kind == .event })
        let back = LedgerRecord(json: JSON.parse(first.canonicalBytes)!)
        #expect(back?.event != nil && back?.event == first.event && back?.message == first.message)
    }
}
