import Git
import Policy
import PolicyRepository
import Store

/// `policyops compile`: a commit compiled into content-addressed IR and a manifest.
enum CompileCommand: Command {
    static let spec = CommandSpec(
        name: "compile",
        overview: "Compile a commit into content-addressed IR and a manifest under the state directory.",
        options: [RepositoryOptions.repo, .value("rev", "REV", "The commit to compile (default: HEAD)."),
                  .value("state", "DIR", "The state directory to write ir/ and commits/ into (required)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json"])],
        discussion: "IR is a pure function of the commit: compiling the same commit anywhere writes the same bytes.\nExit status: 0 compiled, 1 the commit has blockers (its manifest is still written), 2 usage or environment error.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let statePath = arguments.value("state") else {
            throw UsageError(message: "Missing expected option '--state <dir>'", command: spec)
        }
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        let id = try view.resolve(arguments.value("rev") ?? "HEAD")
        let result = try CompileSession(view: view).compile(id)
        let state = try StateDirectory(root: context.absolute(statePath))
        let written = try state.store(result.manifest, commit: id.hex)
        if arguments.value("format") == "json" {
            context.console.print(result.manifest.json.pretty(), terminator: "")
        } else {
            let statuses = result.compilation.policies.map(\.status)
            let compiled = statuses.filter { $0 == .compiled }.count
            let disabled = statuses.filter { $0 == .disabled }.count
            let invalid = statuses.filter { $0 == .invalid }.count
            for d in result.compilation.diagnostics where d.severity >= .warn { context.console.print(d.textLine) }
            context.console.print("\(result.compilation.hasBlocker ? "FAILED" : "compiled") \(id.short) \(result.commit.summary)")
            context.console.print("  policies: \(compiled) compiled, \(disabled) disabled, \(invalid) invalid; \(Plural.count(result.compilation.hosts.count, "host")), \(Plural.count(result.compilation.upsDeclarations.count, "UPS", "UPSes"))")
            context.console.print("  manifest: \(state.manifestPath(commit: id.hex))")
            context.console.print("  objects:  \(result.manifest.objects.count) referenced, \(written) new")
        }
        return result.compilation.hasBlocker ? .blockers : .success
    }
}
