/// Subcommands of the contract that are not built yet. They are listed in help and say so
/// plainly when run, with exit status 2.
enum NotImplemented {
    static func fail(_ name: String) throws -> ExitCode {
        throw EnvironmentError("policyops \(name) is not implemented yet")
    }

    enum Inverse: Command {
        static let spec = CommandSpec(name: "inverse", overview: "Write the inverse of a policy (not implemented yet).",
                                      arguments: [ArgumentSpec(name: "FILE", help: "The policy file.")],
                                      options: [.value("repo", "DIR", "The policy repository.")])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

}
