/// Typed access to the members of one JSON object, reporting every missing, null, mistyped
/// and unknown member to a `DocumentChecker`. Getters return nil when the member is
/// missing or wrong; the problem is already reported when it matters.
public struct ObjectFields {
    let checker: DocumentChecker
    /// The object's members (duplicates already dropped by the reader).
    public let members: [JSONMember]
    /// Where the object is.
    public let pointer: JSONPointer
    /// Byte offset of the object's `{`.
    public let offset: Int

    /// Reports every member not in `allowed` as an unknown field, with a suggestion when
    /// one is close.
    public func rejectUnknown(allowed: [String], what: String) {
        for m in members where !allowed.contains(m.key) {
            var message = "unknown field \"\(m.key)\" in \(what)"
            if let near = ObjectFields.closest(to: m.key, in: allowed) {
                message += "; did you mean \"\(near)\"?"
            }
            message += (message.hasSuffix("?") ? " Allowed: " : "; allowed: ") + allowed.joined(separator: ", ")
            checker.report(.unknownField, at: m.keyOffset, pointer.appending(m.key), message)
        }
    }

    /// The member named `key`.
    public func member(_ key: String) -> JSONMember? { members.first { $0.key == key } }

    /// True when the object has a member named `key`.
    public func has(_ key: String) -> Bool { member(key) != nil }

    /// The value of `key`, reporting a missing required member and any null.
    public func value(_ key: String, required: Bool, nullable: Bool = false) -> JSONValue? {
        guard let m = member(key) else {
            if required {
                checker.report(.missingField, at: offset, pointer, "missing required field \"\(key)\"")
            }
            return nil
        }
        if case .invalid = m.value.kind { return nil }
        if case .null = m.value.kind, !nullable {
            checker.report(.nullValue, m.value, pointer.appending(key), "\"\(key)\" is null; null is not a value here: give a value or leave the field out")
            return nil
        }
        return m.value
    }

    func wrongType(_ key: String, _ value: JSONValue, expected: String) {
        checker.report(.wrongType, value, pointer.appending(key), "\"\(key)\" must be \(expected), found \(value.typeDescription)")
    }

    /// A string member.
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let v = value(key, required: required) else { return nil }
        guard case .string(let s) = v.kind else {
            wrongType(key, v, expected: "a string")
            return nil
        }
        return s
    }

    /// A boolean member.
    public func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let v = value(key, required: required) else { return nil }
        guard case .bool(let b) = v.kind else {
            wrongType(key, v, expected: "true or false")
            return nil
        }
        return b
    }

    /// An integer member written as an integer literal (no fraction, no exponent) within `range`.
    public func integer(_ key: String, required: Bool = false, in range: ClosedRange<Int64> = Int64.min...Int64.max) -> Int64? {
        guard let v = value(key, required: required) else { return nil }
        return ObjectFields.integer(v, key: key, pointer: pointer.appending(key), range: range, checker: checker)
    }

    static func integer(_ v: JSONValue, key: String, pointer: JSONPointer, range: ClosedRange<Int64>, checker: DocumentChecker) -> Int64? {
        guard case .number(let n) = v.kind else {
            checker.report(.wrongType, v, pointer, "\"\(key)\" must be an integer, found \(v.typeDescription)")
            return nil
        }
        guard n.isInteger else {
            checker.report(.notInteger, v, pointer, "\"\(key)\" must be an integer literal without fraction or exponent, found \(n.literal)")
            return nil
        }
        guard let i = n.int64, range.contains(i) else {
            let limits = range == Int64.min...Int64.max ? "a signed 64-bit integer" : "from \(range.lowerBound) to \(range.upperBound)"
            checker.report(.outOfRange, v, pointer, "\"\(key)\" is \(n.literal); it must be \(limits)")
            return nil
        }
        return i
    }

    /// A number member (integer or not).
    public func number(_ key: String, required: Bool = false) -> Double? {
        guard let v = value(key, required: required) else { return nil }
        guard case .number(let n) = v.kind, let d = n.double else {
            wrongType(key, v, expected: "a number")
            return nil
        }
        return d
    }

    /// An object member as fields.
    public func object(_ key: String, required: Bool = false) -> ObjectFields? {
        guard let v = value(key, required: required) else { return nil }
        return checker.fields(v, at: pointer.appending(key), what: "\"\(key)\"")
    }

    /// An array member's elements.
    public func array(_ key: String, required: Bool = false) -> [JSONValue]? {
        guard let v = value(key, required: required) else { return nil }
        guard case .array(let elements) = v.kind else {
            wrongType(key, v, expected: "an array")
            return nil
        }
        return elements
    }

    /// A duration member, parsed.
    public func duration(_ key: String, required: Bool = false) -> PolicyDuration? {
        guard let v = value(key, required: required) else { return nil }
        guard case .string(let s) = v.kind else {
            wrongType(key, v, expected: "a duration string such as \"5m\"")
            return nil
        }
        switch PolicyDuration.parse(s) {
        case .success(let d): return d
        case .failure(let e):
            checker.report(e.code, v, pointer.appending(key), "\"\(key)\": \(e.message)")
            return nil
        }
    }

    /// A string member that must be one of `options`.
    public func oneOf<T: RawRepresentable>(_ key: String, _ type: T.Type, required: Bool = false, code: DiagnosticCode = .invalidValue) -> T? where T.RawValue == String, T: CaseIterable {
        guard let v = value(key, required: required) else { return nil }
        let options = T.allCases.map(\.rawValue)
        guard case .string(let s) = v.kind else {
            wrongType(key, v, expected: "one of \(options.map { "\"\($0)\"" }.joined(separator: ", "))")
            return nil
        }
        guard let t = T(rawValue: s) else {
            var message = "\"\(key)\" is \"\(s)\"; accepted: \(options.map { "\"\($0)\"" }.joined(separator: ", "))"
            if let near = ObjectFields.closest(to: s, in: options) { message += "; did you mean \"\(near)\"?" }
            checker.report(code, v, pointer.appending(key), message)
            return nil
        }
        return t
    }

    /// The accepted word closest to `word` by edit distance, when it is close enough to be a typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)? = nil
        for c in candidates {
            let d = editDistance(lower, c.lowercased())
            if d <= max(1, min(2, c.count / 3)), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if abs(a.count - b.count) > 3 || a.count > 64 || b.count > 64 { return Int.max / 2 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
