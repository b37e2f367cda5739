import Foundation
import Testing
import TestSupport

/// The reconciler's clock: a drill's state directory (run with `--time-scale`, its times
/// ahead of the real clock) and a real one are never mixed up, and the ledger's times never
/// go back across restarts, so no window is measured from a negative age.
@Suite(.serialized) struct ClockTests {
    func reconcileOnce(_ rig: ReconcileRig, _ extra: [String]) throws -> ProcessResult {
        try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut", "--once"] + extra)
    }

    @Test func aDrillsStateDirectoryIsRefusedForARealRunAndTheOtherWayRound() throws {
        let drill = try ReconcileRig()
        let first = try reconcileOnce(drill, ["--time-scale", "60"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try drill.ledger().count
        let real = try reconcileOnce(drill, [])
        #expect(real.status == 2)
        #expect(real.stderr.contains("--time-scale") && real.stderr.contains(drill.state.path) && real.stderr.contains("fresh state directory"), "\(real.stderr)")
        let after = try drill.ledger().count
        #expect(after == before, "a refused run records nothing")
        let again = try reconcileOnce(drill, ["--time-scale", "100"])
        #expect(again.status == 0, "another drill on the drill's state directory is fine: \(again.stderr)")

        let production = try ReconcileRig()
        let realRun = try reconcileOnce(production, [])
        #expect(realRun.status == 0, "\(realRun.stderr)")
        let drillOnProduction = try reconcileOnce(production, ["--time-scale", "60"])
        #expect(drillOnProduction.status == 2)
        #expect(drillOnProduction.stderr.contains("real") && drillOnProduction.stderr.contains("own state directory"), "\(drillOnProduction.stderr)")
        let realAgain = try reconcileOnce(production, [])
        #expect(realAgain.status == 0, "\(realAgain.stderr)")
    }

    /// A drill run twice on one state directory: the second start is earlier on the real
    /// clock than the first run's last records (its clock ran 10000 times faster). The
    /// second run goes on from the latest time recorded, so none of its records is earlier
    /// than one of the first run, and no decision speaks of a negative age.
    @Test func theLedgersTimesNeverGoBackAcrossRestarts() throws {
        let rig = try ReconcileRig()
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        let first = try reconcileOnce(rig, ["--time-scale", "10000"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstRun = try rig.ledger().compactMap { $0["ts"] as? String }
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_mains"])
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        let second = try reconcileOnce(rig, ["--time-scale", "10000"])
        #expect(second.status == 0, "\(second.stderr)")
        let records = try rig.ledger()
        let times = records.compactMap { $0["ts"] as? String }
        #expect(times.count == records.count && firstRun.count > 3 && records.count > firstRun.count + 1)
        // The same fixed-width RFC 3339 form in UTC: text order is time order.
        let lastOfFirst = try #require(firstRun.max())
        let earlier = zip(times, records.map { $0["message"] as? String ?? "" }).dropFirst(firstRun.count).filter { $0.0 < lastOfFirst }
        #expect(earlier.isEmpty, "the first run ended at \(lastOfFirst); the second recorded earlier: \(earlier)")
        let messages = records.compactMap { $0["message"] as? String }
        #expect(!messages.contains { $0.contains("matched -") || $0.contains("ran -") }, "\(messages)")
    }
}
