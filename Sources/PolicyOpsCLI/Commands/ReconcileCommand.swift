import Drivers
import Git
import PolicyRepository
import Engine
import Policy
import Reconciler
import Secrets
import SystemCalls

/// `policyops reconcile`: the product's main job.
enum ReconcileCommand: Command {
    static let spec = CommandSpec(
        name: "reconcile",
        overview: "Watch a branch: compile each commit, apply the tip, take events, run policies, record every decision.",
        options: [
            .value("repo", "DIR", "The policy repository (a folder in a git repository; required)."),
            .value("state", "DIR", "The state directory (required): IR, manifests, ledger, inbox, status."),
            .value("branch", "NAME", "The branch to watch (default: main)."),
            .flag("once", "One pass (poll, apply, events, executions), then exit."),
            .value("interval", "DURATION", "How often to poll the branch (default: 2s; 0.5 for half a second)."),
            .value("max-concurrency", "N", "Executions at once, all hosts together (default: 4; one per host always)."),
            .value("retry", "DURATION", "How often disabled policies are dry-run again (default: 30s)."),
            .value("log-format", "FORMAT", "Log lines on standard error (default: text).", choices: ["text", "json"]),
            .value("time-scale", "N", "Run the clock N times faster than real time, for drills and demos (timers of minutes take seconds); the state directory becomes a drill's, refused for real runs."),
            .flag("no-nut", "Do not watch the declared UPSes through their upsd servers (drills that play the UPS with event emit)."),
            .value("ups-deadtime", "DURATION", "How long a UPS on battery may give no data before it is comm_lost (default: 15s; NUT's DEADTIME)."),
            OperatorOptions.config,
        ],
        discussion: """
        A post-receive hook (policyops hook install --kind post-receive) or SIGHUP wakes it at once; SIGTERM finishes the \
        executions that run, writes the state and exits. One reconciler per state directory. The UPSes declared under ups/ \
        are polled through upsd (Network UPS Tools) and their changes become events. Secrets ({"secret": NAME}) are read \
        when a driver needs them, as the operator's configuration (--config) grants them; it also names the programs exec \
        may run and the network destinations drivers may reach. Without one, nothing is granted.
        Exit status: 0 stopped cleanly, 2 could not start or stopped because the ledger could not be written (an environment error).
        """)

    static func seconds(_ text: String, option: String) throws -> Double {
        if let n = Double(text), n > 0, n.isFinite { return n }
        guard case .success(let d) = PolicyDuration.parse(text), d.seconds > 0 else {
            throw UsageError(message: "--\(option) takes a duration such as 2s or a number of seconds, not '\(text)'", command: spec)
        }
        return Double(d.seconds)
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let repo = arguments.value("repo") else { throw UsageError(message: "Missing expected option '--repo <dir>'", command: spec) }
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        var options = ReconcilerOptions(repository: context.absolute(repo), stateDirectory: context.absolute(stateDir))
        options.branch = arguments.value("branch") ?? "main"
        options.once = arguments.flag("once")
        // A repository that is not there cannot be watched; a running reconciler stalls
        // when it goes away, but one that starts without it has nothing to do.
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        if options.once {
            // One pass of a branch that does not exist would do nothing and say it was done.
            // As the reconciler reads it: the branch, else any revision of that name.
            if let git = view.git, try git.referenceTarget("refs/heads/" + options.branch) == nil {
                do { _ = try git.resolveCommit(options.branch) } catch {
                    throw EnvironmentError("no branch \(options.branch) in \(view.folder ?? options.repository): \(error.message)", underlying: error)
                }
            }
        }
        options.watchUPS = !arguments.flag("no-nut")
        if let i = arguments.value("interval") { options.pollInterval = try seconds(i, option: "interval") }
        if let r = arguments.value("retry") { options.retryInterval = try seconds(r, option: "retry") }
        if let d = arguments.value("ups-deadtime") { options.upsDeadTime = try seconds(d, option: "ups-deadtime") }
        if let c = arguments.value("max-concurrency") {
            guard let n = Int(c), n >= 1, n <= 256 else { throw UsageError(message: "--max-concurrency takes a number from 1 to 256", command: spec) }
            options.maxConcurrency = n
        }
        if let w = context.environment["POLICYOPS_SIM_WORK_MS"], let ms = Int64(w) { options.simulatedWorkMilliseconds = ms }
        // The one place the real clocks are read: the wall clock once, then the monotonic one.
        var scale = 1.0
        if let text = arguments.value("time-scale") {
            guard let n = Double(text), n >= 1, n <= 10_000 else { throw UsageError(message: "--time-scale takes a factor from 1 to 10000", command: spec) }
            scale = n
            options.timeScale = n
        }
        let clock = SteadyClock(scale: scale)
        let console = context.console
        let log = ReconcilerLog(format: ReconcilerLog.Format(rawValue: arguments.value("log-format") ?? "text")!, clock: clock) { line in
            console.error(line)
            console.flush()
        }
        let configuration = try OperatorOptions.load(arguments, context)
        let secrets = Secrets(environment: context.environment, configuration: configuration)
        let drivers = StandardDrivers(world: FileSimulatedWorld(stateDirectory: options.stateDirectory), clock: clock,
                                      simulatedWorkMilliseconds: options.simulatedWorkMilliseconds, secrets: secrets)
        // Everything the reconciler creates is its user's alone (0700 folders, 0600 files),
        // whatever umask it was started with (SPEC section 10).
        FileSystem.setUmask(0o077)
        let reconciler: Reconciler
        do {
            reconciler = try Reconciler(options: options, log: log, signals: ProcessSignals.install(), clock: clock, drivers: drivers, secrets: secrets)
        } catch {
            throw EnvironmentError("\(error)", underlying: error)
        }
        return exitCode(for: blocking { await reconciler.run() })
    }

    /// How the reconciler stopped, as an exit status (SPEC section 11), in this one place.
    /// A ledger that cannot be written is the environment's fault, as an unreadable
    /// repository is: 2, as a start that fails.
    static func exitCode(for reason: ReconcilerStopReason) -> ExitCode {
        switch reason {
        case .stopped: return .success
        case .ledgerUnwritable: return .usage
        case .couldNotStart: return .usage
        }
    }
}
