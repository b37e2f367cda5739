import Policy
import PolicyRepository

/// `policyops explain FILE`: a policy in plain words.
enum ExplainCommand: Command {
    static let spec = CommandSpec(
        name: "explain",
        overview: "Say in plain words what a policy does.",
        arguments: [ArgumentSpec(name: "FILE", help: "The policy file (in the working tree).")],
        options: [RepositoryOptions.repo],
        discussion: "Host names come from the repository's hosts/. A file with blockers is not explained: its diagnostics are printed and the exit status is 1.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let view = try RepositoryOptions.open(arguments, context, requireGit: false)
        let path = try RepositoryOptions.relativePaths([arguments.positionals[0]], in: view, context, spec: spec)[0]
        let snapshot = try view.workingTreeSnapshot()
        let compilation = SnapshotCompiler().compile(snapshot)
        guard let entry = compilation.policies.first(where: { $0.path == path }) else {
            throw EnvironmentError("\(path) is not a policy file of the repository (policies are \(snapshot.settings.policyGlobs.map(\.pattern).joined(separator: ", ")))")
        }
        let explainer = PolicyExplainer(hostNames: Dictionary(compilation.hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }),
                                        timeZone: snapshot.settings.timeZone)
        guard entry.status != .invalid, let spec = entry.spec else {
            for d in entry.diagnostics { context.console.error(d.textLine) }
            context.console.error("\(path) has blockers; fix them to see its explanation")
            return .blockers
        }
        context.console.print(explainer.explain(spec, path: path, policyID: entry.policyID).terminalSafeLines, terminator: "")
        for d in entry.diagnostics { context.console.print(d.textLine) }
        return .success
    }
}
