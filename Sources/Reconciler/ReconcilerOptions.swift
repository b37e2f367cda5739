/// How a reconciler runs (`policyops reconcile`).
public struct ReconcilerOptions: Sendable {
    /// The policy repository (a folder in a git repository).
    public var repository: String
    /// The state directory.
    public var stateDirectory: String
    /// The branch watched.
    public var branch: String = "main"
    /// One pass, then exit.
    public var once = false
    /// Seconds between polls of the branch (a nudge polls at once).
    public var pollInterval: Double = 2
    /// At most this many executions at once, all hosts together.
    public var maxConcurrency = 4
    /// Seconds between dry-runs of disabled policies.
    public var retryInterval: Double = 30
    /// Ledger records between snapshots of the engine state.
    public var snapshotEvery = 200
    /// Simulated work per target of the sim driver, in milliseconds (for tests of concurrency).
    public var simulatedWorkMilliseconds: Int64 = 0
    /// Watch the declared UPSes through their upsd servers (off for drills that play the
    /// UPS's events by hand).
    public var watchUPS = true
    /// Seconds without data from a UPS on battery before it is `comm_lost`.
    public var upsDeadTime: Double = 15
    /// The drill's `--time-scale` (the clock runs this many times faster); nil for a real
    /// run. The state directory is marked with it (see `ClockMarker`).
    public var timeScale: Double?

    public init(repository: String, stateDirectory: String) {
        self.repository = repository
        self.stateDirectory = stateDirectory
    }
}
