/// What a condition looks at.
public enum ConditionScope: String, Sendable, Hashable, CaseIterable {
    case ups
    case host
    case metric
    case vm
}

/// A value a condition compares with.
public enum ConditionValue: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
}

/// One condition of the flat AND: `{"scope", "field", "op", "value"}`.
public struct Condition: Sendable, Hashable {
    /// What it looks at.
    public var scope: ConditionScope
    /// Which field of the scope (metrics by short name).
    public var field: String
    /// The comparison.
    public var op: ComparisonOperator
    /// The value compared with.
    public var value: ConditionValue

    /// Creates a condition.
    public init(scope: ConditionScope, field: String, op: ComparisonOperator, value: ConditionValue) {
        self.scope = scope
        self.field = field
        self.op = op
        self.value = value
    }

    /// The type a condition field holds.
    public enum FieldType: Sendable, Hashable {
        case number, string, bool
    }

    /// The fields of each scope and their types (SPEC section 13); POLICY.md keeps this catalog.
    public static func fieldType(scope: ConditionScope, field: String) -> FieldType? {
        switch scope {
        case .ups:
            switch field {
            case "state": return .string
            case "charge_pct", "runtime_minutes", "runtime_s", "load", "on_battery_s": return .number
            default: return Metric(name: field) != nil ? .number : nil
            }
        case .metric:
            return Metric(name: field) != nil ? .number : nil
        case .host:
            switch field {
            case "reachable": return .bool
            case "name": return .string
            default: return nil
            }
        case .vm:
            switch field {
            case "count_matching", "count_running": return .number
            default: return nil
            }
        }
    }

    /// The fields of a scope, for messages.
    public static func fields(of scope: ConditionScope) -> [String] {
        switch scope {
        case .ups: return ["state", "charge_pct", "runtime_minutes", "runtime_s", "load", "on_battery_s"]
        case .metric: return Metric.acceptedNames
        case .host: return ["reachable", "name"]
        case .vm: return ["count_matching", "count_running"]
        }
    }
}
