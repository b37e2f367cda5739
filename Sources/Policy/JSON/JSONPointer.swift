/// An RFC 6901 JSON pointer, such as `/trigger_group/triggers/0/for`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The pointer as text; "" is the whole document.
    public private(set) var string: String

    /// The whole document.
    public static let root = JSONPointer(string: "")

    /// A pointer from its text (already escaped).
    public init(string: String) { self.string = string }

    /// The pointer to member `key` of the object this pointer names.
    public func appending(_ key: String) -> JSONPointer {
        JSONPointer(string: string + "/" + Self.escape(key))
    }

    /// The pointer to element `index` of the array this pointer names.
    public func appending(index: Int) -> JSONPointer {
        JSONPointer(string: string + "/" + String(index))
    }

    public var description: String { string }

    /// Escapes `~` and `/` as RFC 6901 says.
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }
}

extension String {
    /// Every occurrence of `target` replaced, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
