/// The schema of one action parameter.
public struct ParameterSpec: Sendable, Hashable {
    /// What values a parameter takes.
    public enum Kind: Sendable, Hashable {
        /// An integer literal within a range.
        case integer(ClosedRange<Int64>)
        /// true or false.
        case bool
        /// One of some strings.
        case oneOf([String])
        /// Any string (with a length limit).
        case string(maxLength: Int)
        /// A non-empty array of non-empty strings.
        case nonEmptyStringArray
        /// Any JSON object.
        case object
    }

    /// The parameter's name.
    public var name: String
    /// What values it takes.
    public var kind: Kind
    /// True when an action must give it.
    public var required: Bool
    /// The value normalization fills in when it is left out.
    public var defaultValue: JSON?
    /// One line for people.
    public var summary: String

    /// Creates a parameter schema.
    public init(_ name: String, _ kind: Kind, required: Bool = false, default defaultValue: JSON? = nil, summary: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }

    /// What is accepted, for messages.
    public var accepted: String {
        switch kind {
        case .integer(let r): return "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .bool: return "true or false"
        case .oneOf(let options): return options.map { "\"\($0)\"" }.joined(separator: ", ")
        case .string(let max): return "a string of at most \(max) characters"
        case .nonEmptyStringArray: return "a non-empty array of non-empty strings"
        case .object: return "an object"
        }
    }
}
