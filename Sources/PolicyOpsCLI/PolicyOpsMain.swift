import Git
import PolicyRepository
import Store
import SystemCalls

/// The `policyops` command line: dispatches to subcommands, prints errors and returns the
/// exit status. `main.swift` calls this and nothing else.
public enum PolicyOpsMain {
    /// The version `--version` prints.
    public static let version = "0.1.0"

    static var commands: [any Command.Type] { [
        ValidateCommand.self, PlanCommand.self, DiffCommand.self, ExplainCommand.self, CompileCommand.self, SchemaCommand.self,
        InverseCommand.self, SimulateCommand.self, HookCommand.self, ReconcileCommand.self, EventCommand.self, StatusCommand.self,
        LedgerCommand.self, GcCommand.self, InventoryCommand.self,
    ] }

    static var overview: String {
        var out = """
        OVERVIEW: PolicyOps runs infrastructure power policies from git: validate them in pull requests, \
        guard the branch, and reconcile what is merged.

        USAGE: policyops <subcommand>

        OPTIONS:
          --version             Show the version.
          -h, --help            Show help information.

        SUBCOMMANDS:

        """
        for c in commands { out += "  " + c.spec.name.padded(to: 12) + c.spec.overview + "\n" }
        out += "\n  See 'policyops help <subcommand>' for detailed help.\n"
        return out
    }

    /// Runs the process's command line and exits with its status.
    public static func main() -> Never {
        ProcessEnvironment.exit(run(Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.variables()))
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let console = Console()
        defer { console.flush() }
        let context = CommandContext(console: console, currentDirectory: currentDirectory(), environment: environment)
        guard let first = arguments.first else {
            console.print(overview, terminator: "")
            return ExitCode.success.rawValue
        }
        switch first {
        case "-h", "--help":
            console.print(overview, terminator: "")
            return ExitCode.success.rawValue
        case "--version":
            console.print(version)
            return ExitCode.success.rawValue
        case "help":
            if arguments.count > 1 {
                guard let command = commands.first(where: { $0.spec.name == arguments[1] }) else {
                    return usageError(UsageError(message: "Unknown subcommand '\(arguments[1])'"), console)
                }
                console.print(command.spec.help, terminator: "")
            } else {
                console.print(overview, terminator: "")
            }
            return ExitCode.success.rawValue
        default:
            break
        }
        guard let command = commands.first(where: { $0.spec.name == first }) else {
            return usageError(UsageError(message: "Unknown subcommand '\(first)'"), console)
        }
        do {
            let parsed = try ParsedArguments.parse(Array(arguments.dropFirst()), spec: command.spec)
            if parsed.helpRequested {
                console.print(command.spec.help, terminator: "")
                return ExitCode.success.rawValue
            }
            return try command.run(parsed, context).rawValue
        } catch let error as UsageError {
            return usageError(error, console)
        } catch {
            console.error("Error: \(describe(error))")
            return ExitCode.usage.rawValue
        }
    }

    static func usageError(_ error: UsageError, _ console: Console) -> Int32 {
        console.error("Error: \(error.message)")
        if let spec = error.command {
            console.error("Usage: \(spec.usage)")
            console.error("  See 'policyops \(spec.name) --help' for more information.")
        } else {
            console.error("  See 'policyops --help' for the subcommands.")
        }
        return ExitCode.usage.rawValue
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as RepositoryError: return e.message
        case let e as GitError: return e.message
        case let e as FileSystemError: return e.description
        case let e as EnvironmentError: return e.message
        default: return String(describing: error)
        }
    }

    static func currentDirectory() -> String {
        FileSystem.currentDirectory() ?? "."
    }
}
