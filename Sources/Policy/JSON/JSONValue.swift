/// A JSON value as read from a file, with the byte offset where it starts.
///
/// Offsets, not line and column, are kept per value: positions are only needed for the
/// rare diagnostic, and `SourceText` turns an offset into a line and column on demand.
public struct JSONValue: Sendable {
    /// What the value is.
    public enum Kind: Sendable {
        case null
        case bool(Bool)
        case number(JSONNumber)
        case string(String)
        case array([JSONValue])
        case object([JSONMember])
        /// A value the reader already reported (NaN, a number that does not fit, ...).
        /// Validators skip it silently so one mistake is reported once.
        case invalid
    }

    /// What the value is.
    public var kind: Kind
    /// Byte offset of the value's first byte in the file.
    public var offset: Int

    /// Creates a value at `offset`.
    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// The JSON type's name as users read it in messages ("a string", "an object", ...).
    public var typeDescription: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(let n): return n.isInteger ? "an integer" : "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .invalid: return "an invalid value"
        }
    }

    /// The members when this is an object.
    public var objectMembers: [JSONMember]? {
        if case .object(let m) = kind { return m }
        return nil
    }

    /// The string when this is a string.
    public var stringValue: String? {
        if case .string(let s) = kind { return s }
        return nil
    }
}

/// One `"key": value` pair of an object, with the offset of the key.
public struct JSONMember: Sendable {
    /// The decoded key.
    public var key: String
    /// Byte offset of the key's opening quote.
    public var keyOffset: Int
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, keyOffset: Int, value: JSONValue) {
        self.key = key
        self.keyOffset = keyOffset
        self.value = value
    }
}

/// A number as written: the literal is kept so integer fields can insist on integer
/// literals (`1.0` is not an integer) and large integers keep every digit.
public struct JSONNumber: Sendable, Hashable {
    /// The literal as written in the file.
    public var literal: String
    /// True when the literal has no fraction and no exponent.
    public var isInteger: Bool

    /// Creates a number from its literal.
    public init(literal: String, isInteger: Bool) {
        self.literal = literal
        self.isInteger = isInteger
    }

    /// The value as a signed 64-bit integer, nil when the literal is not an integer or does
    /// not fit.
    public var int64: Int64? { isInteger ? Int64(literal) : nil }

    /// The value as a double, nil when it does not fit (overflows to infinity).
    public var double: Double? {
        guard let d = Double(literal), d.isFinite else { return nil }
        return d
    }
}
