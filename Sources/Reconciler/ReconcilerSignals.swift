/// A signal the process passes on to the reconciler: stop (SIGTERM, SIGINT) or wake now
/// (SIGHUP).
public enum ReconcilerSignal: Sendable, Equatable {
    /// Finish what runs, write the state and stop.
    case stop
    /// Poll the branch at once.
    case wakeUp
}

/// What the process tells the reconciler from outside: stop (SIGTERM, SIGINT) and wake
/// now (SIGHUP). Only the CLI touches signals; this is how they reach the loop.
public protocol ReconcilerSignals: Sendable {
    /// True once a stop was asked for.
    var stopRequested: Bool { get }
    /// True once per wake-up asked for since the last call.
    func takeWakeUp() -> Bool
    /// The signals as they arrive, for the loop that sleeps until something happens (one
    /// consumer: the reconciler's `SignalIntake`).
    var events: AsyncStream<ReconcilerSignal> { get }
}
