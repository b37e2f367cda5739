import Foundation
import Testing
import TestSupport

/// A real upsd with dummy-ups: the first reading after the reconciler starts is a baseline,
/// not a mains-return; a change that happened while it was stopped is an event.
@Suite(.serialized, .enabled(if: NUTRig.isInstalled, "nut-server is not installed")) struct UPSBaselineTests {
    static func upsEvents(_ rig: ReconcileRig) -> [[String: Any]] {
        ((try? rig.ledger(["--kind", "event"])) ?? []).filter { ($0["message"] as? String)?.hasPrefix("ups.state") == true }
    }

    @Test func theFirstReadingOnAFreshStateDirectoryArmsNothing() throws {
        let nut = try NUTRig()
        let rig = try ReconcileRig()
        rig.repo.write("ups/ups-main.json", #"{"id": "ups-main", "nut": {"host": "127.0.0.1", "port": \#(nut.port), "ups": "ups"}, "poll": "1s"}"#)
        let commit = try rig.repo.commit("watch the test UPS")
        func start() throws {
            rig.reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--interval", "0.2"])
        }
        try start()
        #expect(eventually { rig.applied == commit }, "\(rig.reconciler?.stderr ?? "")")
        #expect(eventually(timeout: 10) { Self.upsEvents(rig).count == 1 }, "\(rig.reconciler?.stderr ?? "")")
        let baseline = try #require(Self.upsEvents(rig).first)
        let message = baseline["message"] as? String ?? ""
        #expect(message.contains("on_mains") && message.contains("0 policies fired") && !message.contains("armed"), "\(message)")
        #expect(rig.stop() == 0)
        let state = try #require(FileManager.default.contents(atPath: rig.state.path + "/engine-state.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        #expect((json["timers_after"] as? [String: Any])?.isEmpty == true, "\(json["timers_after"] ?? "")")
        #expect(((json["ups"] as? [String: Any])?["ups-main"] as? [String: Any])?["state"] as? String == "on_mains")

        // The mains fail while the reconciler is stopped: the saved state says on_mains, so
        // the first reading of the next start is a real change, and the policy runs.
        try nut.set(status: "OB DISCHRG", charge: 93, runtime: 1600, load: 35)
        try start()
        #expect(eventually(timeout: 20) { rig.simState(ReconcileRig.rack, "vm:104") == "stopped" }, "\(rig.reconciler?.stderr ?? "")")
        let change = try #require(Self.upsEvents(rig).last)
        #expect((change["message"] as? String)?.contains("on_battery") == true && (change["message"] as? String)?.contains(" 0 policies fired") == false, "\(change["message"] ?? "")")
        #expect(rig.stop() == 0)
    }
}
