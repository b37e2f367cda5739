/// How a reconciler's run ended. The command line turns it into an exit status (SPEC
/// section 11) in one place, `ReconcileCommand.exitCode(for:)`.
public enum ReconcilerStopReason: Sendable, Equatable {
    /// Stopped cleanly: a stop was asked for, or `--once` finished its pass.
    case stopped
    /// Stopped because a ledger append failed: nothing may act unrecorded. `message` says
    /// what failed.
    case ledgerUnwritable(message: String)
    /// Never started: recovery failed (a ledger that lost its end, an applied commit git
    /// cannot give again, a nudge FIFO that cannot be made). `message` says why.
    case couldNotStart(message: String)
}
