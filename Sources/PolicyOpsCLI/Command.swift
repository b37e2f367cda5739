#if canImport(Glibc)
import Glibc
#endif

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

/// A failure that is the environment's, not the user's syntax: exit status 2.
struct EnvironmentError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
