import Foundation
import Testing
import TestSupport

/// kill -9 at random moments during bursts of events, fifty times over, then check that
/// nothing was lost, nothing happened twice, and the state is one the reconciler really had.
@Suite(.serialized) struct CrashTests {
    static let host = "0c0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"

    /// Where a run is killed. The moments are measured from what the reconciler says it has
    /// done (its log), not from when it was started: on a loaded machine its start-up takes
    /// several times longer, and kills timed from the start then land before it has done
    /// anything, so the later starts find nothing to recover.
    enum KillMoment {
        /// A random moment inside the start-up, as long as this machine takes it now.
        case duringStartUp
        /// Up to 20 ms after the start-up: while the first events are read and decided.
        case atFirstEvents
        /// Up to 250 ms after the first decision is recorded: during the decisions and
        /// executions that follow, or once it is idle.
        case afterDecisions
    }

    /// A line of the reconciler's JSON log.
    static func logLine(_ line: Substring) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }

    static func isStarted(_ line: Substring) -> Bool { logLine(line)?["msg"] as? String == "started" }

    /// Decision lines are the only ones with an `event` field; the reconciler writes them
    /// after the records are durable.
    static func isDecision(_ line: Substring) -> Bool { logLine(line)?["event"] != nil }

    func repository() throws -> GitFixture {
        let fx = try GitFixture()
        let targets = (1...20).map { #"{"id": "vm:\#($0)", "name": "vm-\#($0)", "state": "running"}"# }.joined(separator: ", ")
        fx.write("hosts/crash.json", #"{"id": "\#(Self.host)", "name": "crash-host", "driver": "sim", "connection": {"targets": [\#(targets)]}}"#)
        for i in 1...20 {
            fx.write("policies/p\(i).json", """
            {"version": 1, "name": "reset-vm-\(i)", "suppression_window": "0s", "idempotency_window": "1h",
             "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "ev-\(i)"}]},
             "targets": {"host_id": "\(Self.host)", "target_type": "vm", "selector": {"mode": "list", "value": "\(i)"}},
             "actions": [{"capability_id": "sim.vm", "verb": "reset"}]}
            """)
        }
        try fx.commit("crash test policies")
        return fx
    }

    @Test func killedFiftyTimesNothingLostNothingTwice() throws {
        let repo = try repository()
        let state = TemporaryDirectory("crash-state")
        var rng = SystemRandomNumberGenerator()
        var emitted: [String] = []
        var commits = [try repo.git(["rev-parse", "HEAD"])]
        let env = ProcessInfo.processInfo.environment.merging(["POLICYOPS_SIM_WORK_MS": "25"]) { $1 }
        var startUps: [Double] = []
        var killedInStartUp = 0
        var runsThatDecided = 0
        for iteration in 0..<50 {
            for _ in 0..<3 {
                let n = Int.random(in: 1...20, using: &rng)
                let r = try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "webhook.custom", "--attr", "name=ev-\(n)"])
                try #require(r.status == 0, "\(r.stderr)")
                emitted.append(String(r.stdout.split(separator: " ")[4]))
            }
            if iteration % 15 == 7 {
                let text = repo.directory.read("policies/p1.json")!
                let edited = text.contains("\"priority\"")
                    ? text.replacingOccurrences(of: "\"priority\": \(iteration - 15)", with: "\"priority\": \(iteration)")
                    : text.replacingOccurrences(of: "\"name\": \"reset-vm-1\"", with: "\"priority\": \(iteration), \"name\": \"reset-vm-1\"")
                repo.write("policies/p1.json", edited)
                commits.append(try repo.commit("edit \(iteration)"))
            }
            let moment: KillMoment = iteration % 5 == 4 ? .duringStartUp : iteration % 5 == 2 ? .atFirstEvents : .afterDecisions
            let reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", repo.path, "--state", state.path, "--interval", "0.1", "--no-nut",
                                                                     "--log-format", "json"], environment: env)
            switch moment {
            case .duringStartUp:
                // The shortest of the last three start-ups, so that a slow one does not carry
                // the kill past the end of this one.
                let startUp = startUps.suffix(3).min() ?? 0.03
                usleep(UInt32(Double.random(in: 0...startUp, using: &rng) * 1_000_000))
            case .atFirstEvents:
                try #require(reconciler.waitForErrorLine(where: Self.isStarted), "run \(iteration) did not start: \(reconciler.stderr)")
                startUps.append(reconciler.secondsSinceStart)
                usleep(UInt32.random(in: 0...20_000, using: &rng))
            case .afterDecisions:
                try #require(reconciler.waitForErrorLine(where: Self.isStarted), "run \(iteration) did not start: \(reconciler.stderr)")
                startUps.append(reconciler.secondsSinceStart)
                try #require(reconciler.waitForErrorLine(where: Self.isDecision), "run \(iteration) decided nothing: \(reconciler.stderr)")
                usleep(UInt32.random(in: 0...250_000, using: &rng))
            }
            reconciler.signal(SIGKILL)
            #expect(reconciler.wait() == 128 + SIGKILL)
            #expect(reconciler.waitForErrorToEnd(), "run \(iteration): its standard error did not end")
            let log = reconciler.stderr.split(separator: "\n")
            if !log.contains(where: Self.isStarted) { killedInStartUp += 1 }
            if log.contains(where: Self.isDecision) { runsThatDecided += 1 }
        }
        // A clean pass consumes what is left and finishes what was queued.
        let last = try Paths.policyops(["reconcile", "--repo", repo.path, "--state", state.path, "--once", "--no-nut"], environment: env)
        #expect(last.status == 0, "\(last.stderr)")

        // The ledger verifies: every checksum and link.
        let verify = try Paths.policyops(["ledger", "--state", state.path, "--verify", "--limit", "1"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let ledger = try json(Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"]).stdout, array: true)

        // Every event consumed exactly once, and the inbox is empty.
        let consumed = ledger.filter { $0["kind"] as? String == "event" }.compactMap { $0["event_id"] as? String }
        var counts: [String: Int] = [:]
        for id in consumed { counts[id, default: 0] += 1 }
        for id in emitted { #expect(counts[id] == 1, "event \(id) consumed \(counts[id] ?? 0) times") }
        let pending = (try? FileManager.default.contentsOfDirectory(atPath: state.path + "/inbox"))?.filter { $0.hasSuffix(".json") } ?? []
        #expect(pending.isEmpty, "\(pending)")

        // No action ran twice inside its idempotency window (the whole test is shorter than 1 h).
        let sim = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(state.path)/sim/\(Self.host).json"))) as? [String: Any])
        let executions = (sim["executions"] as? [[String: Any]] ?? []).compactMap { $0["target"] as? String }
        var perTarget: [String: Int] = [:]
        for t in executions { perTarget[t, default: 0] += 1 }
        #expect(perTarget.values.allSatisfy { $0 == 1 }, "\(perTarget)")
        #expect(!executions.isEmpty)
        // Every target the sim host ran has a decision that scheduled it.
        let scheduled = Set(ledger.filter { $0["kind"] as? String == "decision" }.flatMap { ($0["results"] as? [[String: Any]] ?? []) }
            .filter { $0["outcome"] as? String == "scheduled" }.compactMap { $0["target_id"] as? String })
        #expect(Set(executions).isSubset(of: scheduled))

        // The applied revision is one that was really applied.
        let applied = try String(contentsOfFile: state.path + "/applied", encoding: .utf8)
        #expect(commits.contains(applied))
        let appliedRecords = ledger.filter { $0["kind"] as? String == "commit" && ($0["details"] as? [String: Any])?["status"] as? String == "applied" }
        #expect(appliedRecords.contains { $0["commit"] as? String == applied })
        #expect(applied == commits.last)
        let status = try json(Paths.policyops(["status", "--state", state.path, "--format", "json"]).stdout)
        #expect(status["lastAppliedRevision"] as? String == applied)
        // Some kills came before the reconciler had started.
        #expect(killedInStartUp >= 1, "kills during start-up: \(killedInStartUp); start-ups took \(startUps)")
        // A run that recorded decisions was killed before its next snapshot (one every 200
        // records, and at a clean stop), so the next start that gets through its recovery
        // replays them and records it: at least one recovery record per such run.
        let recoveries = ledger.filter { $0["kind"] as? String == "recovery" }
        #expect(runsThatDecided >= 30)
        #expect(recoveries.count >= runsThatDecided, "restarts were recorded: \(recoveries.count) for \(runsThatDecided) runs that decided")
    }
}

func json(_ text: String, array: Bool) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
}
