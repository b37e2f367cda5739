/// A JSON value the tool builds and writes: normalized specs, IR, manifests, reports.
///
/// Objects keep their members in the order they were built, which is the order `pretty`
/// prints; `canonical` sorts them as RFC 8785 says. Integers are kept apart from other
/// numbers so a 64-bit `priority` keeps every digit.
public indirect enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value.
        public var value: JSON

        /// Creates a member.
        public init(_ key: String, _ value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// An object from key-value pairs, in this order.
    public static func object(_ pairs: KeyValuePairs<String, JSON>) -> JSON {
        .object(pairs.map { Member($0.key, $0.value) })
    }

    /// Members from key-value pairs, in this order.
    public static func members(_ pairs: KeyValuePairs<String, JSON>) -> [Member] {
        pairs.map { Member($0.key, $0.value) }
    }

    /// The value of member `key` when this is an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string when this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer when this is an integer (or a number with an integral value that fits).
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    /// The number as a double when this is a number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The boolean when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements when this is an array.
    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members when this is an object.
    public var objectMembers: [Member]? {
        if case .object(let m) = self { return m }
        return nil
    }
}

extension JSON {
    /// Converts a value read from a file, dropping positions. Numbers that are integer
    /// literals and fit 64 bits stay integers.
    public init(_ value: JSONValue) {
        switch value.kind {
        case .null, .invalid: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n):
            if let i = n.int64 { self = .integer(i) } else { self = .number(n.double ?? 0) }
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JSON.init))
        case .object(let m): self = .object(m.map { Member($0.key, JSON($0.value)) })
        }
    }

    /// Parses JSON text the tool wrote itself (manifests, state files); nil when it is
    /// not valid JSON.
    public static func parse(_ bytes: [UInt8]) -> JSON? {
        let result = JSONReader.read(bytes, limits: JSONReadLimits(maxBytes: Int.max, maxDepth: 256, maxNumberLength: 400))
        guard let value = result.value, !result.issues.contains(where: { $0.code.severity == .blocker }) else { return nil }
        return JSON(value)
    }
}
