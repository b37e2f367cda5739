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
    /// blockers in the command's `--format`, when the commit has any (there is nothing to
    /// `doing` then).
    static func load(_ arguments: ParsedArguments, _ context: CommandContext, rev: String? = nil, doing: String) throws -> RunnablePolicies? {
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        let id = try view.resolve(rev ?? arguments.value("rev") ?? "HEAD")
        let result = try CompileSession(view: view).compile(id)
        if result.compilation.hasBlocker {
            let blocked = BlockedCommit(id: id, blockers: result.compilation.diagnostics.filter { $0.severity == .blocker }, doing: doing)
            context.console.print(blocked.render(arguments.value("format") ?? "text"), terminator: "")
            return nil
        }
        let irs = Dictionary(result.manifest.entries.compactMap { e in e.ir.map { (e.path, $0) } }, uniquingKeysWith: { a, _ in a })
        let policies = result.manifest.compiledPolicies.map { RuntimePolicy(path: $0.key, compiled: $0.value, ir: irs[$0.key] ?? "") }
        let set = PolicySet(commit: id.hex, policies: policies, hosts: result.compilation.hosts, ups: result.compilation.upsDeclarations,
                            timeZone: result.compilation.settings.timeZone)
        return RunnablePolicies(id: id, heading: "\(id.short) \"\(result.commit.summary)\"", set: set)
    }
}
