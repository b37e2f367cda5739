import Policy
import Store
import SystemCalls

/// The `--config` option of the commands that reach hosts or guard refs: the operator's
/// configuration, outside the repository, that grants secrets, exec programs, network
/// destinations and the hook's refs.
enum OperatorOptions {
    static let config = OptionSpec.value("config", "FILE",
        "The operator's configuration: secrets, exec programs, network destinations and hook refs it grants (default: \(OperatorConfiguration.defaultPath); absent, nothing is granted).")

    /// The largest configuration read (a hostile size is refused, not read).
    static let maxBytes = 1 << 20

    /// The configuration `--config` names, else the default file, else the strictest
    /// defaults when the default file does not exist. A file named on the command line that
    /// is missing, one that cannot be read, is larger than 1 MiB, is writable by other
    /// users, or has blockers is an environment error (its diagnostics on stderr): a
    /// reconciler never runs with less, or more, than the operator wrote.
    static func load(_ arguments: ParsedArguments, _ context: CommandContext) throws -> OperatorConfiguration {
        let named = arguments.value("config").map(context.absolute)
        guard let (configuration, diagnostics) = try read(named ?? OperatorConfiguration.defaultPath, required: named != nil) else { return .strictest }
        for d in diagnostics { context.console.error(d.textLine) }
        if diagnostics.hasBlocker {
            throw EnvironmentError("the operator's configuration \(configuration.path ?? "") has \(Plural.count(diagnostics.filter { $0.severity == .blocker }.count, "blocker")); fix it (policyops schema --kind config describes it)")
        }
        return configuration
    }

    /// The configuration at `path` and what is wrong with it; nil when it does not exist
    /// and is not `required`.
    static func read(_ path: String, required: Bool) throws -> (OperatorConfiguration, [Diagnostic])? {
        let info: FileStatus
        do { info = try FileStatus.of(path) } catch {
            if error.is(.noEntry), !required { return nil }
            throw EnvironmentError("cannot read the operator's configuration \(path): \(error.text)", underlying: error)
        }
        guard info.kind == .regular else { throw EnvironmentError("the operator's configuration \(path) is not a regular file") }
        guard info.permissions & 0o002 == 0 else {
            throw EnvironmentError("the operator's configuration \(path) is writable by every user, and whoever can write it grants secrets and programs: chmod o-w \(path)")
        }
        guard info.size <= maxBytes else { throw EnvironmentError("the operator's configuration \(path) is larger than 1 MiB") }
        let bytes: [UInt8]
        do {
            guard let read = try AtomicFile.read(path) else { throw EnvironmentError("the operator's configuration \(path) disappeared while it was read") }
            bytes = read
        } catch let error as FileSystemError {
            throw EnvironmentError("cannot read the operator's configuration \(path): \(error)", underlying: error)
        }
        return OperatorConfiguration.read(bytes: Array(bytes.prefix(maxBytes)), path: path)
    }
}
