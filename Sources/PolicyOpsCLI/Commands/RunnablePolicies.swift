import Engine
import Git
import Policy
import PolicyRepository

/// The policies of one commit, compiled into the set the engine runs: what `plan` and
/// `simulate` start from.
struct RunnablePolicies {
    /// The commit.
    let id: ObjectID
    /// `abc1234 "subject"`, for headings.
    let heading: String
    /// Its enabled policies, hosts, UPSes and time zone.
    let set: PolicySet

    /// Compiles `rev` (default: `--rev`, else HEAD) of `--repo`; nil, after printing the
    /// blockers, when the commit has any (there is nothing to `doing` then).
    static func load(_ arguments: ParsedArguments, _ context: CommandContext, rev: String? = nil, doing: String) throws -> RunnablePolicies? {
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        let id = try view.resolve(rev ?? arguments.value("rev") ?? "HEAD")
        let result = try CompileSession(view: view).compile(id)
        if result.compilation.hasBlocker {
            for d in result.compilation.diagnostics where d.severity == .blocker { context.console.print(d.textLine) }
            context.console.print("FAILED: \(id.short) has blockers; nothing to \(doing) (policyops validate --rev \(id.short))")
            return nil
        }
        let irs = Dictionary(result.manifest.entries.compactMap { e in e.ir.map { (e.path, $0) } }, uniquingKeysWith: { a, _ in a })
        let policies = result.manifest.compiledPolicies.map { RuntimePolicy(path: $0.key, compiled: $0.value, ir: irs[$0.key] ?? "") }
        let set = PolicySet(commit: id.hex, policies: policies, hosts: result.compilation.hosts, ups: result.compilation.upsDeclarations,
                            timeZone: result.compilation.settings.timeZone)
        return RunnablePolicies(id: id, heading: "\(id.short) \"\(result.commit.summary)\"", set: set)
    }
}
