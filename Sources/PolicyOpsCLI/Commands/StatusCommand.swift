import Policy
import Store

/// `policyops status`: what the reconciler has applied, its conditions and every policy's status.
enum StatusCommand: Command {
    static let spec = CommandSpec(
        name: "status",
        overview: "Show what the reconciler applied: revisions, conditions Ready/Reconciling/Stalled, policies.",
        options: [.value("state", "DIR", "The state directory (required)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json"])])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        let root = context.absolute(stateDir)
        guard let bytes = try AtomicFile.read(root + "/status.json"), let file = JSON.parse(bytes) else {
            throw EnvironmentError("\(root) has no status.json: no reconciler has run there yet")
        }
        let report = try StatusReport.read(root: root, status: file)
        let status = report.json
        if arguments.value("format") == "json" {
            context.console.print(status.pretty(), terminator: "")
            return .success
        }
        func short(_ s: String?) -> String { s.map { String($0.prefix(7)) } ?? "none" }
        context.console.print("reconciler: \(running(root))")
        context.console.print("applied:    \(short(status["lastAppliedRevision"]?.stringValue))   attempted: \(short(status["lastAttemptedRevision"]?.stringValue))")
        for c in status["conditions"]?.arrayValue ?? [] {
            let type = c["type"]?.stringValue ?? "", value = c["status"]?.stringValue ?? ""
            var line = "  " + type.padded(to: 12) + value.padded(to: 6) + (c["reason"]?.stringValue ?? "").padded(to: 16)
            if let m = c["message"]?.stringValue, !m.isEmpty { line += m }
            context.console.print(line.terminalSafe)
        }
        let policies = report.policies
        var counts: [String: Int] = [:]
        for p in policies { counts[p["status"]?.stringValue ?? "?", default: 0] += 1 }
        context.console.print("policies:   " + (counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        if let problem = report.problem { context.console.print(("  (only the policies that are not active: \(problem))").terminalSafe) }
        for p in policies {
            var line = "  " + (p["status"]?.stringValue ?? "").padded(to: 10) + (p["path"]?.stringValue ?? "").padded(to: 48) + (p["name"]?.stringValue ?? "")
            if let reason = p["reason"]?.stringValue { line += "  (\(reason))" }
            context.console.print(line.terminalSafe)
        }
        return .success
    }

    /// Whether a reconciler holds the state directory's lock, and which process: the one the
    /// kernel lists as holding the `flock`, not merely the pid written in the lock file.
    static func running(_ root: String) -> String {
        do {
            guard let holder = try LockHolder.inspect(stateDirectory: root) else { return "not running" }
            return "running (\(holder.summary))" + (holder.user.map { " as user \($0)" } ?? "")
        } catch {
            return "unknown (\(error))"
        }
    }
}
