import Foundation
import Testing
import TestSupport

/// The reconciler reads its wake-up FIFO, `<state>/nudge`, only when it is a FIFO it made:
/// a link or a file planted there is never followed (a link to `/dev/zero` would never stop
/// answering reads) and is replaced by a fresh FIFO.
@Suite(.serialized) struct NudgeLinkTests {
    func isFIFO(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
    }

    @Test(arguments: ["link to /dev/zero", "link to a file", "regular file"])
    func whatIsNotAFIFOAtTheNudgeIsReplacedNeverFollowed(planted: String) throws {
        let rig = try ReconcileRig()
        try FileManager.default.createDirectory(atPath: rig.state.path, withIntermediateDirectories: true)
        let nudge = rig.state.path + "/nudge"
        let outside = TemporaryDirectory("bystander")
        let bystander = outside.join("file")
        try "keep me\n".write(toFile: bystander, atomically: true, encoding: .utf8)
        switch planted {
        case "link to /dev/zero": try FileManager.default.createSymbolicLink(atPath: nudge, withDestinationPath: "/dev/zero")
        case "link to a file": try FileManager.default.createSymbolicLink(atPath: nudge, withDestinationPath: bystander)
        default: try "wake up\n".write(toFile: nudge, atomically: true, encoding: .utf8)
        }
        let reconciler = try BackgroundProcess(Paths.policyops, ["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--no-nut", "--once"])
        let status = reconciler.wait(timeout: 60)
        if status == nil { reconciler.signal(SIGKILL); _ = reconciler.wait() }
        #expect(status == 0, "\(planted): \(reconciler.stderr.suffix(1500))")
        #expect(isFIFO(nudge), "\(planted): the nudge is a FIFO again")
        #expect(try String(contentsOfFile: bystander, encoding: .utf8) == "keep me\n")
        #expect(reconciler.stderr.contains("nudge"), "\(planted): the log says what was replaced: \(reconciler.stderr.suffix(1500))")
    }
}
