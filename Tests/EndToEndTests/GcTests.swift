import Foundation
import Testing
import TestSupport

/// `policyops gc` (SPEC section 10): the retention run by hand on a state directory a
/// reconciler left, refused while one runs.
@Suite struct GcTests {
    func once(_ rig: ReconcileRig) throws {
        let r = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--no-nut"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func gcRemovesTheOldManifestAndItsObjectAndTheStateStillReads() throws {
        let rig = try ReconcileRig()
        try once(rig)
        let first = try rig.repo.git(["rev-parse", "HEAD"])
        rig.repo.write(ReconcileRig.web, rig.repo.directory.read(ReconcileRig.web)!.replacingOccurrences(of: "\"priority\": 10", with: "\"priority\": 12"))
        let second = try rig.repo.commit("reprioritize")
        try once(rig)
        #expect(rig.applied == second)
        let oldManifest = rig.state.path + "/commits/\(first).json"
        #expect(FileManager.default.fileExists(atPath: oldManifest))
        // Objects written in the last hour are kept (a compile may be about to name them): age them.
        try ProcessRunner.tool("find", [rig.state.path + "/ir", "-type", "f", "-exec", "touch", "-d", "2 hours ago", "{}", "+"])
        let dry = try Paths.policyops(["gc", "--state", rig.state.path, "--keep-manifests", "0", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would remove 1 manifest, 1 object, 0 ledger segments"), "\(dry.stdout)")
        #expect(FileManager.default.fileExists(atPath: oldManifest))
        let run = try Paths.policyops(["gc", "--state", rig.state.path, "--keep-manifests", "0", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(report["manifests"] as? [String] == [oldManifest])
        #expect(report["objects"] as? Int == 1)
        #expect(!FileManager.default.fileExists(atPath: oldManifest))
        // What reads the state still reads it: status lists every policy, the ledger verifies,
        // a policy is found by name, and the reconciler starts on it again.
        let policies = try rig.policies()
        #expect(policies.count == 7 && policies.allSatisfy { $0["ir"] is String || $0["status"] as? String != "active" })
        let verify = try Paths.policyops(["ledger", "--state", rig.state.path, "--verify", "--limit", "1"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let byName = try Paths.policyops(["ledger", "--state", rig.state.path, "--policy", "shutdown-web-tier-on-battery"])
        #expect(byName.status == 0, "\(byName.stderr)")
        try once(rig)
        let again = try Paths.policyops(["gc", "--state", rig.state.path, "--keep-manifests", "0"])
        #expect(again.stdout.contains("removed 0 manifests, 0 objects"), "\(again.stdout)")
    }

    @Test func gcIsRefusedWhileAReconcilerHoldsTheLock() throws {
        let rig = try ReconcileRig()
        try rig.start(["--interval", "60"])
        let head = try rig.repo.git(["rev-parse", "HEAD"])
        #expect(eventually { rig.applied == head }, "\(rig.reconciler?.stderr ?? "")")
        let r = try Paths.policyops(["gc", "--state", rig.state.path, "--dry-run"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("gc refused") && r.stderr.contains("another reconciler"), "\(r.stderr)")
        #expect(rig.stop() == 0)
        let after = try Paths.policyops(["gc", "--state", rig.state.path, "--dry-run"])
        #expect(after.status == 0, "\(after.stderr)")
    }
}
