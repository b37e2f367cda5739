
/// What a command runs with: where to write, where it was started, its environment.
struct CommandContext {
    var console: Console
    var currentDirectory: String
    var environment: [String: String]

    /// `path` made absolute against the current directory.
    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (currentDirectory == "/" ? "" : currentDirectory) + "/" + path
    }
}

/// One subcommand of `policyops`.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode
}

/// A failure that is the environment's, not the user's syntax: exit status 2. The error
/// that caused it, when there was one, is kept as it was (`underlying`), not only as words.
struct EnvironmentError: Error, CustomStringConvertible {
    var message: String
    var underlying: (any Error)?
    init(_ message: String, underlying: (any Error)? = nil) {
        self.message = message
        self.underlying = underlying
    }
    var description: String { message }
}
