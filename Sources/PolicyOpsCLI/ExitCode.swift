/// The exit statuses of SPEC section 11.
public enum ExitCode: Int32, Sendable {
    /// Success; info and warn allowed.
    case success = 0
    /// Blockers found.
    case blockers = 1
    /// A usage or environment error: a bad flag, an unreadable repository.
    case usage = 2
    /// A dry-run found errors.
    case errors = 3
}
