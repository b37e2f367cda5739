/// How much a diagnostic blocks (SPEC section 4).
///
/// `blocker` rejects a push and keeps a commit from being applied; `error` keeps a policy
/// disabled at run time; `warn` and `info` are shown and block nothing.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case info
    case warn
    case error
    case blocker

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warn: return 1
        case .error: return 2
        case .blocker: return 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
