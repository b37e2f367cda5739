import Policy
import PolicyRepository
import Store

/// `policyops inverse FILE`: the inverse of a policy, for a person to finish.
enum InverseCommand: Command {
    static let spec = CommandSpec(
        name: "inverse",
        overview: "Write the inverse of a policy: its actions undone, disabled, with what a person must still fill in.",
        arguments: [ArgumentSpec(name: "FILE", help: "The policy file (in the working tree).")],
        options: [RepositoryOptions.repo,
                  .value("output", "PATH", "Write the inverse to this file (it must not exist yet) instead of standard output.")],
        discussion: """
        Each action is flipped through its capability's inverse (shutdown → start, PoE off → on); the inverse is written \
        with "enabled": false and "needs_input": the JSON pointers a person must still decide — the trigger always, the \
        conditions when there are some. validate refuses the file until needs_input is gone. An action whose verb has no \
        inverse (reboot, a PoE cycle) is reported on standard error and left out. A query's status terms are turned \
        around (status=running becomes status=stopped, on becomes off), since what the policy acted on is in the other \
        state after it ran; a glob over status is left to a person in needs_input.
        Exit status: 0 written, 1 the file has blockers or no action has an inverse, 2 usage or environment error.
        """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let view = try RepositoryOptions.open(arguments, context, requireGit: false)
        let path = try RepositoryOptions.relativePaths([arguments.positionals[0]], in: view, context, spec: spec)[0]
        let compilation = SnapshotCompiler().compile(try view.workingTreeSnapshot())
        guard let entry = compilation.policies.first(where: { $0.path == path }) else {
            throw EnvironmentError("\(path) is not a policy file of the repository")
        }
        guard entry.status != .invalid, let policy = entry.spec else {
            for d in entry.diagnostics where d.severity == .blocker { context.console.error(d.textLine) }
            context.console.error("\(path) has blockers; fix them before writing its inverse")
            return .blockers
        }
        let inverse = PolicyInverse.of(policy, path: path)
        for r in inverse.refused {
            context.console.error("\(path) at \(r.pointer): \(r.reason); left out of the inverse")
        }
        for r in inverse.rewrittenTerms {
            context.console.error("\(path): selector term \(r.from) rewritten to \(r.to): what the policy acted on is in the other state after it ran".terminalSafe)
        }
        guard inverse.inverted > 0 else {
            context.console.error("no action of \(path) has an inverse; nothing written")
            return .blockers
        }
        let text = inverse.spec.pretty()
        if let output = arguments.value("output") {
            let target = context.absolute(output)
            if (try? AtomicFile.read(target)) != nil { throw EnvironmentError("\(output) exists; choose another file") }
            do { try AtomicFile.write(Array(text.utf8), to: target) } catch { throw EnvironmentError("cannot write \(output): \(error)", underlying: error) }
            context.console.error("wrote \(output): \(inverse.inverted) \(inverse.inverted == 1 ? "action" : "actions") inverted, disabled; fill in \(inverse.needsInput.joined(separator: ", ")), then delete needs_input")
        } else {
            context.console.print(text, terminator: "")
            context.console.error("inverse of \(path): fill in \(inverse.needsInput.joined(separator: ", ")), then delete needs_input")
        }
        return .success
    }
}
