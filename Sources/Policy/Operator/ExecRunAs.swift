/// Whom an `exec` command runs as.
public enum ExecRunAs: Sendable, Hashable {
    /// The reconciler's own user (never root).
    case reconcilerUser
    /// The operator's `exec.user`, switched to from root in the child before it starts.
    case user(String)
}
