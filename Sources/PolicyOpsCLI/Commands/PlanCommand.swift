import Drivers
import Engine
import Git
import Policy
import Secrets
import PolicyRepository
import Store

/// `policyops plan`: the dry-run transcript of every enabled policy of a commit.
enum PlanCommand: Command {
    static let spec = CommandSpec(
        name: "plan",
        overview: "Dry-run every enabled policy of a commit against the hosts' live state; change nothing.",
        options: [RepositoryOptions.repo, .value("rev", "REV", "The commit to plan (default: HEAD)."),
                  .value("state", "DIR", "A reconciler's state directory: simulated hosts' live state comes from it (default: their declarations)."),
                  .value("base", "REV", "The revision hosts are compared with (default: main, else origin/main, the branch the reconciler applies): a host whose declaration differs gets no credentials and no request; its dry-run is skipped with a warning (PO5016)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json", "markdown"]), OperatorOptions.config],
        discussion: """
        A pull request can change where a host points; plan therefore sends credentials only to hosts whose driver and \
        connection are the same at --base, so CI never hands a token to a server a change names.
        Exit status: 0 no errors (warnings allowed), 1 the commit has blockers, 2 usage or environment error, 3 a dry-run found errors.
        """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let commit = try RunnablePolicies.load(arguments, context, doing: "plan") else { return .blockers }
        let set = commit.set, id = commit.id
        let clock = SystemClock()
        let world: any SimulatedWorld = arguments.value("state").map { FileSimulatedWorld(stateDirectory: context.absolute($0)) } ?? MemorySimulatedWorld()
        let secrets = Secrets(environment: context.environment, configuration: try OperatorOptions.load(arguments, context))
        let withheld = try withheldHosts(arguments, context, set: set)
        let drivers = CredentialWithholding(StandardDrivers(world: world, clock: clock, secrets: secrets), withheld: withheld)
        let engine = Engine(drivers: drivers, clock: clock)
        let plans = blocking {
            await engine.apply(set)
            return await engine.plan(set.policies)
        }
        let summary = commit.heading
        switch arguments.value("format") ?? "text" {
        case "json":
            context.console.print(JSON.object([
                "commit": .string(id.hex),
                "severity": .string((plans.map(\.severity).max() ?? .info).rawValue),
                "policies": .array(plans.map(\.json)),
            ]).pretty(), terminator: "")
        case "markdown": context.console.print(markdown(plans, summary: summary), terminator: "")
        default: context.console.print(text(plans, summary: summary).terminalSafeLines, terminator: "")
        }
        return plans.contains { $0.severity >= .error } ? .errors : .success
    }

    /// The hosts of `set` that get no credentials: those whose declaration differs from
    /// the base revision's (id → why).
    static func withheldHosts(_ arguments: ParsedArguments, _ context: CommandContext, set: PolicySet) throws -> [String: String] {
        guard set.hosts.values.contains(where: { $0.driver != .sim }) else { return [:] }
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        let named = arguments.value("base")
        var base: (name: String, hosts: [String: HostDeclaration])?
        for candidate in named.map({ [$0] }) ?? ["main", "origin/main"] {
            guard let id = try? view.resolve(candidate) else { continue }
            let compiled = try CompileSession(view: view).compile(id).compilation
            base = (candidate, Dictionary(compiled.hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
            break
        }
        if let named, base == nil { throw EnvironmentError("--base \(named) is not a revision of \(view.folder ?? "the repository")") }
        var withheld: [String: String] = [:]
        for host in set.hosts.values {
            if let reason = CredentialWithholding.reason(for: host, base: base?.hosts, baseName: base?.name ?? "main") { withheld[host.id] = reason }
        }
        return withheld
    }

    static func text(_ plans: [PolicyPlan], summary: String) -> String {
        var out = "plan of \(summary): \(Plural.count(plans.count, "enabled policy", "enabled policies"))\n"
        for p in plans {
            out += "\n\(p.name)  (\(p.path))  \(p.severity.rawValue)\n"
            for f in p.findings { out += "  \(f.code.severity.rawValue) \(f.code.rawValue): \(f.message)\n" }
            for a in p.actions {
                out += "  \(a.action.capability) \(a.action.verb) on \(p.hostName): \(a.result.summary)\(a.result.ok || (a.result.reason ?? a.result.summary) == a.result.summary ? "" : " — \(a.result.reason ?? "")")\n"
                out += "    preconditions: " + a.result.preconditions.map { "\($0.check) \($0.ok ? "ok" : "FAILED")\($0.details.map { " (\($0))" } ?? "")" }.joined(separator: ", ") + "\n"
                let keys = Dictionary(a.targets.map { ($0.id, $0.key) }, uniquingKeysWith: { x, _ in x })
                for e in a.result.perTarget {
                    out += "    \(e.id.padded(to: 16)) \(e.from) → \(e.to)\(e.isNoOp ? " (already in state, skipped)" : "")  key \(keys[e.id].map { String($0.prefix(12)) } ?? "")\n"
                }
                for line in a.result.preview.prefix(20) { out += "    plan (\(a.result.planKind)): \(line)\n" }
            }
            out += "  used_inventory: refreshed \(p.inventoryTimestamp?.iso8601 ?? "never"), stale \(p.inventoryStale)"
            if let sla = p.refreshSLA { out += ", refresh SLA \(sla.seconds) s (\(sla.fromHost ? "the host's connection.refresh_sla" : "the driver's default"))" }
            out += "\n"
        }
        let counts = [Severity.info, .warn, .error].map { s in "\(plans.filter { $0.severity == s }.count) \(s == .info ? "ok" : s.rawValue)" }
        out += "\n" + (plans.contains { $0.severity >= .error } ? "ERRORS: " : "OK: ") + counts.joined(separator: ", ") + "\n"
        return out
    }

    static func markdown(_ plans: [PolicyPlan], summary: String) -> String {
        var out = "### PolicyOps plan of \(Markdown.text(summary))\n\n| policy | host | severity | what it would do |\n|---|---|---|---|\n"
        for p in plans {
            var what = p.actions.map { "\($0.action.capability) \($0.action.verb): \($0.result.summary)" }
            what += p.findings.map { "\($0.code.rawValue): \($0.message)" }
            out += "| \(Markdown.code(p.name)) | \(Markdown.text(p.hostName)) | \(p.severity.rawValue) | \(Markdown.text(what.joined(separator: "; "))) |\n"
        }
        return out
    }
}
