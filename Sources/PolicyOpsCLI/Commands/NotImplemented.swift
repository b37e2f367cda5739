/// Subcommands of the contract that are not built yet. They are listed in help and say so
/// plainly when run, with exit status 2.
enum NotImplemented {
    static func fail(_ name: String) throws -> ExitCode {
        throw EnvironmentError("policyops \(name) is not implemented yet")
    }

    enum Plan: Command {
        static let spec = CommandSpec(name: "plan", overview: "Dry-run every policy against the hosts' live state (not implemented yet).",
                                      options: [.value("repo", "DIR", "The policy repository."), .value("rev", "REV", "The commit to plan."),
                                                .value("state", "DIR", "The state directory."), .value("format", "FORMAT", "Output format.", choices: ["text", "json", "markdown"])])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Inverse: Command {
        static let spec = CommandSpec(name: "inverse", overview: "Write the inverse of a policy (not implemented yet).",
                                      arguments: [ArgumentSpec(name: "FILE", help: "The policy file.")],
                                      options: [.value("repo", "DIR", "The policy repository.")])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Reconcile: Command {
        static let spec = CommandSpec(name: "reconcile", overview: "Watch a branch and apply its policies (not implemented yet).",
                                      options: [.value("repo", "DIR", "The policy repository."), .value("state", "DIR", "The state directory."),
                                                .value("branch", "NAME", "The branch to watch."), .flag("once", "One pass, then exit."),
                                                .value("interval", "DURATION", "How often to poll.")])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Event: Command {
        static let spec = CommandSpec(name: "event", overview: "Emit an event into a reconciler's inbox (not implemented yet).",
                                      arguments: [ArgumentSpec(name: "emit", help: "The action.")],
                                      options: [.value("state", "DIR", "The state directory."), .value("kind", "KIND", "The event's kind."),
                                                .value("subject", "KIND:ID", "The event's subject."), .value("attr", "KEY=VALUE", "An attribute.", repeatable: true),
                                                .value("correlation-id", "ID", "The correlation id.")])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Status: Command {
        static let spec = CommandSpec(name: "status", overview: "Show what the reconciler has applied (not implemented yet).",
                                      options: [.value("state", "DIR", "The state directory."), .value("format", "FORMAT", "Output format.", choices: ["text", "json"])])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Ledger: Command {
        static let spec = CommandSpec(name: "ledger", overview: "Show the decisions the reconciler recorded (not implemented yet).",
                                      options: [.value("state", "DIR", "The state directory."), .value("policy", "ID", "Only this policy."),
                                                .value("limit", "N", "At most N records."), .value("format", "FORMAT", "Output format.", choices: ["text", "json"])])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }

    enum Inventory: Command {
        static let spec = CommandSpec(name: "inventory", overview: "Show or search hosts' inventories (not implemented yet).",
                                      arguments: [ArgumentSpec(name: "ARGS", help: "search QUERY", optional: true, repeatable: true)],
                                      options: [.value("repo", "DIR", "The policy repository."), .value("state", "DIR", "The state directory."),
                                                .value("host", "ID", "The host."), .flag("refresh", "Refresh first.")])
        static func run(_ a: ParsedArguments, _ c: CommandContext) throws -> ExitCode { try fail(spec.name) }
    }
}
