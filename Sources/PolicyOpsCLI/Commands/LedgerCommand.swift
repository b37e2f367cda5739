import Engine
import Policy
import Store

/// `policyops ledger`: the decisions the reconciler recorded.
enum LedgerCommand: Command {
    static let spec = CommandSpec(
        name: "ledger",
        overview: "Show the ledger: events, decisions, executions, dry-runs and commits, newest last.",
        options: [.value("state", "DIR", "The state directory (required)."),
                  .value("policy", "ID", "Only records of this policy (its id, or its name)."),
                  .value("kind", "KIND", "Only records of this kind.", choices: RecordKind.allCases.map(\.rawValue)),
                  .value("correlation-id", "ID", "Only records with this correlation id."),
                  .value("limit", "N", "The last N records (default: 50; 0 for all)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json"]),
                  .flag("verify", "Check every record's checksum and chain first; exit 1 when the ledger is damaged.")])

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        let root = context.absolute(stateDir)
        var limit = 50
        if let l = arguments.value("limit") {
            guard let n = Int(l), n >= 0 else { throw UsageError(message: "--limit takes a number", command: spec) }
            limit = n
        }
        if arguments.flag("verify") {
            do {
                let count = try Ledger.verify(stateDirectory: root)
                if let checkpoint = try LedgerCheckpoint.read(stateDirectory: root) {
                    context.console.error("ledger verified: records \(checkpoint.seq + 1)–\(count) (\(Plural.count(Int(count - checkpoint.seq), "record")) kept after the checkpoint at seq \(checkpoint.seq)), every checksum and link holds")
                } else {
                    context.console.error("ledger verified: \(Plural.count(Int(count), "record")), every checksum and link holds")
                }
            } catch {
                context.console.error("ledger damaged: \(error)")
                return .blockers
            }
        }
        var entries = try Ledger.read(stateDirectory: root)
        if let policy = arguments.value("policy") {
            let ids = try policyIDs(named: policy, in: entries, stateDirectory: root)
            guard !ids.isEmpty else {
                throw EnvironmentError("no policy \(policy) in the ledger or the applied commit of \(stateDir) (give its id or its name)")
            }
            entries = entries.filter { e in e.json["policy_id"]?.stringValue.map(ids.contains) ?? false }
        }
        if let kind = arguments.value("kind") { entries = entries.filter { $0.json["kind"]?.stringValue == kind } }
        if let c = arguments.value("correlation-id") { entries = entries.filter { $0.json["correlation_id"]?.stringValue == c } }
        if limit > 0 && entries.count > limit { entries = Array(entries.suffix(limit)) }
        if arguments.value("format") == "json" {
            let out: [JSON] = entries.map { e in
                var members: [JSON.Member] = [.init("seq", .integer(e.seq))]
                for key in ["ts", "kind", "policy_id", "commit", "correlation_id", "event_id", "severity", "results", "message", "details"] {
                    members.append(.init(key, e.json[key] ?? .null))
                }
                return .object(members)
            }
            context.console.print(JSON.array(out).pretty(), terminator: "")
            return .success
        }
        for e in entries {
            let j = e.json
            var line = String(e.seq).padded(to: 7) + (j["ts"]?.stringValue ?? "").padded(to: 25) + (j["severity"]?.stringValue ?? "").padded(to: 8)
                + (j["kind"]?.stringValue ?? "").padded(to: 10) + (j["message"]?.stringValue ?? "")
            if let c = j["correlation_id"]?.stringValue { line += "  [\(c)]" }
            context.console.print(line.terminalSafe)
            // A decision without targets says what it was (suppressed-window), and the one
            // that stopped the evaluation which policies it left out.
            if let outcome = j["details"]?["outcome"]?.stringValue, (j["results"]?.arrayValue ?? []).isEmpty {
                context.console.print(("        " + outcome).terminalSafe)
            }
            if let stop = j["details"]?["stop_on_match"], let left = stop["not_evaluated"]?.arrayValue {
                let count = stop["not_evaluated_count"]?.integerValue.map(Int.init) ?? left.count
                let names = left.compactMap { $0["name"]?.stringValue }.joined(separator: ", ") + (count > left.count ? ", ..." : "")
                context.console.print(("        stop_on_match: \(Plural.count(count, "shortlisted policy", "shortlisted policies")) not evaluated: " + names).terminalSafe)
            }
            for r in j["results"]?.arrayValue ?? [] {
                let outcome = r["outcome"]?.stringValue ?? ""
                var detail = "        " + (r["target_id"]?.stringValue ?? "").padded(to: 18) + (r["verb"]?.stringValue ?? "").padded(to: 10) + outcome
                if let d = r["detail"]?.stringValue { detail += ": \(d)" }
                context.console.print(detail.terminalSafe)
            }
        }
        return .success
    }

    /// The ids `policy` names: itself when a record or the applied commit has that id, and
    /// the id of every record whose policy was called so (decisions and dry-runs carry the
    /// name; starts and executions only the id).
    static func policyIDs(named policy: String, in entries: [Ledger.Entry], stateDirectory: String) throws -> Set<String> {
        var ids: Set<String> = []
        for e in entries {
            guard let id = e.json["policy_id"]?.stringValue else { continue }
            if id == policy || e.json["details"]?["policy"]?.stringValue == policy || e.json["details"]?["name"]?.stringValue == policy {
                ids.insert(id)
            }
        }
        for p in try AppliedManifest.read(stateDirectory: stateDirectory)?.policies ?? [] where p.id == policy || p.name == policy {
            ids.insert(p.id)
        }
        return ids
    }
}
