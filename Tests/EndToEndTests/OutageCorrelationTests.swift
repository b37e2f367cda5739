import Foundation
import Testing
import TestSupport

/// One outage reads as one story: `ledger --correlation-id` shows the events sent with the
/// id and the timer they armed, also when the reconciler restarted while it was armed.
@Suite(.serialized) struct OutageCorrelationTests {
    static func isTimer(_ record: [String: Any]) -> Bool {
        ((record["details"] as? [String: Any])?["event"] as? [String: Any])?["type"] as? String == "timer.after"
    }

    @Test func aTimerArmedBeforeARestartCarriesTheOutagesCorrelationID() throws {
        let rig = try ReconcileRig()
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery", "--correlation-id", "out-1"])
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_mains", "--correlation-id", "out-1"])
        // The example's start-web-tier-on-mains waits two minutes of mains: 12 s at this scale.
        let first = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut", "--once", "--time-scale", "10"])
        #expect(first.status == 0, "\(first.stderr)")
        let afterFirst = try rig.ledger()
        #expect(!afterFirst.contains(where: Self.isTimer), "the timer is armed, not fired, when the first run stops")
        try rig.start(["--interval", "0.2", "--time-scale", "10"])
        #expect(eventually(timeout: 40) { (try? rig.ledger())?.contains(where: Self.isTimer) == true }, "\(rig.reconciler?.stderr ?? "")")
        #expect(eventually(timeout: 20) { rig.simState(ReconcileRig.rack, "vm:104") == "running" })
        #expect(rig.stop() == 0)
        let story = try rig.ledger(["--correlation-id", "out-1"])
        let timers = try rig.ledger().filter(Self.isTimer)
        #expect(story.contains(where: Self.isTimer), "\(timers)")
        let start = try #require(story.first { $0["kind"] as? String == "decision" && ($0["message"] as? String)?.hasPrefix("start-web-tier-on-mains") == true })
        #expect((start["results"] as? [[String: Any]])?.contains { $0["outcome"] as? String == "scheduled" } == true)
        #expect(story.contains { $0["kind"] as? String == "execution" && ($0["policy_id"] as? String) == start["policy_id"] as? String })
    }
}
