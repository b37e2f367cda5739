/// A comparison in triggers and conditions: `=`, `!=`, `>`, `>=`, `<`, `<=`.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="

    /// True for `=` and `!=`, the only operators strings and booleans take.
    public var isEquality: Bool { self == .equal || self == .notEqual }

    /// Compares two numbers.
    public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        case .greater: return lhs > rhs
        case .greaterOrEqual: return lhs >= rhs
        case .less: return lhs < rhs
        case .lessOrEqual: return lhs <= rhs
        }
    }

    /// Words for people: "is above", "is at least", ...
    public var spoken: String {
        switch self {
        case .equal: return "is"
        case .notEqual: return "is not"
        case .greater: return "is above"
        case .greaterOrEqual: return "is at least"
        case .less: return "is below"
        case .lessOrEqual: return "is at most"
        }
    }
}
