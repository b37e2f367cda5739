import Reconciler
import Testing
@testable import PolicyOpsCLI

/// How the reconciler stopped becomes an exit status of SPEC section 11 in one place: a
/// ledger that cannot be written is an environment error, not "blockers found".
@Suite struct ReconcileExitCodeTests {
    @Test(arguments: [(ReconcilerStopReason.stopped, ExitCode.success),
                      (.ledgerUnwritable(message: "cannot write the ledger: No space left on device"), .usage),
                      (.couldNotStart(message: "the ledger lost its end"), .usage)])
    func eachStopReasonHasItsExitStatus(reason: ReconcilerStopReason, code: ExitCode) {
        #expect(ReconcileCommand.exitCode(for: reason) == code)
        #expect(ReconcileCommand.exitCode(for: reason) != .blockers)
    }
}
