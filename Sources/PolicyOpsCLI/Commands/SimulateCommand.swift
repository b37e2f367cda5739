import Drivers
import Engine
import Git
import Policy
import PolicyRepository
import Replay
import Store

/// `policyops simulate`: what the policies of a commit would have done during a recorded
/// sequence of events, on simulated twins of the hosts.
enum SimulateCommand: Command {
    static let spec = CommandSpec(
        name: "simulate",
        overview: "Replay recorded events against the policies of a commit on simulated twins of the hosts; touch nothing real.",
        options: [RepositoryOptions.repo, .value("rev", "REV", "The commit whose policies are replayed (default: HEAD)."),
                  .value("trace", "FILE", "The recorded events: a trace file, or a ledger export (required; - reads standard input)."),
                  .value("state", "DIR", "A reconciler's state directory: hosts start as it last saw them (sim/, inventory/)."),
                  .value("until", "TIME", "Keep timers firing until this RFC 3339 time (default: the trace's, or an hour after the last event)."),
                  .value("compare", "BASE", "Replay BASE too and show only what the commit does differently (a pull request against its base)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json", "markdown"])],
        discussion: """
        The commit is applied as the reconciler applies one (every policy dry-run; a failing one stays disabled), then \
        each event is decided at its own time, with the timers and holds it arms firing at theirs, and executions change \
        only the twins. A host starts as the trace's "hosts" says, else as --state last saw it, else as declared (sim \
        hosts); a real host with none of these has no targets, and its policies say so.
        With --compare BASE both commits are replayed from the same starting state, and the output is what differs: \
        target actions that run with one and not the other or at another moment, policies disabled in only one, \
        targets that end in another state.
        Record a trace from a reconciler's ledger:
          policyops ledger --state /var/lib/policyops --kind event --limit 0 --format json > outage.json
        Exit status: 0 replayed without errors (warnings allowed), 1 the commit has blockers, 2 usage error or an \
        unreadable trace, 3 the replay found errors (a failed dry-run or execution; of the commit, not of BASE).
        """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let tracePath = arguments.value("trace") else { throw UsageError(message: "Missing expected option '--trace <file>'", command: spec) }
        var until: Timestamp?
        if let u = arguments.value("until") {
            guard let t = Timestamp(iso8601: u) else { throw UsageError(message: "--until takes an RFC 3339 time such as 2026-10-14T06:00:00Z, not '\(u)'", command: spec) }
            until = t
        }
        let bytes: [UInt8]
        if tracePath == "-" {
            bytes = Array(HookCommand.readStandardInput().utf8)
        } else {
            guard let read = try? AtomicFile.read(context.absolute(tracePath)) else { throw EnvironmentError("cannot read the trace \(tracePath)") }
            bytes = read
        }
        var trace: Trace
        switch Trace.read(bytes) {
        case .success(let t): trace = t
        case .failure(let failure):
            let shown = tracePath == "-" ? "<stdin>" : tracePath
            for p in failure.problems { context.console.error("\(shown):\(p)") }
            if failure.more > 0 { context.console.error("\(shown): \(failure.more) more problems not shown") }
            context.console.error("FAILED: \(shown) is not a trace PolicyOps can replay")
            return .usage
        }
        if let until {
            if let last = trace.events.last, until < last.ts {
                throw UsageError(message: "--until \(until.iso8601) is before the trace's last event (\(last.ts.iso8601))", command: spec)
            }
            trace.until = until
        }

        guard let commit = try RunnablePolicies.load(arguments, context, doing: "simulate") else { return .blockers }
        var base: RunnablePolicies?
        if let rev = arguments.value("compare") {
            guard let loaded = try RunnablePolicies.load(arguments, context, rev: rev, doing: "compare with") else { return .blockers }
            base = loaded
        }
        let hosts = Array(commit.set.hosts.values) + (base.map { Array($0.set.hosts.values) } ?? [])
        let known = try arguments.value("state").map { try hostStates(in: context.absolute($0), hosts: hosts) } ?? [:]
        for name in trace.hosts.keys.sorted() where !hosts.contains(where: { $0.name == name || $0.id == name }) {
            context.console.error("warning: the trace describes host \(name), which \(commit.id.short) does not declare; ignored")
        }
        let replayed = trace
        let report = blocking { await OutageReplay(set: commit.set, trace: replayed, known: known).run() }
        let format = arguments.value("format") ?? "text"
        if let base {
            let baseReport = blocking { await OutageReplay(set: base.set, trace: replayed, known: known).run() }
            let comparison = ReplayComparison(base: baseReport, head: report)
            let headings = (head: commit.heading, base: base.heading)
            switch format {
            case "json": context.console.print(comparison.json.pretty(), terminator: "")
            case "markdown": context.console.print(ReplayTranscript.markdown(comparison, headings: headings, trace: tracePath), terminator: "")
            default: context.console.print(ReplayTranscript.text(comparison, headings: headings, trace: tracePath).terminalSafeLines, terminator: "")
            }
        } else {
            switch format {
            case "json": context.console.print(report.json.pretty(), terminator: "")
            case "markdown": context.console.print(ReplayTranscript.markdown(report, summary: commit.heading, trace: tracePath), terminator: "")
            default: context.console.print(ReplayTranscript.text(report, summary: commit.heading, trace: tracePath).terminalSafeLines, terminator: "")
            }
        }
        return report.severity >= .error ? .errors : .success
    }

    /// Hosts as a reconciler last saw them: a sim host's file under `sim/`, another host's
    /// last inventory under `inventory/`.
    static func hostStates(in root: String, hosts: [HostDeclaration]) throws -> [String: SimulatedHostState] {
        let names = (try? FileList.names(in: root)) ?? []
        guard names.contains("sim") || names.contains("inventory") || names.contains("ledger") else {
            throw EnvironmentError("\(root) is not a readable state directory (no sim/, inventory/ or ledger/ in it)")
        }
        var out: [String: SimulatedHostState] = [:]
        for host in hosts {
            for file in ["\(root)/sim/\(host.id).json", "\(root)/inventory/\(host.id).json"] {
                if let bytes = try? AtomicFile.read(file), let json = JSON.parse(bytes), var state = SimulatedHostState(json: json) {
                    state.hostID = host.id
                    out[host.id] = state
                    break
                }
            }
        }
        return out
    }
}
