/// The query language of `query` selectors, resolved against a host's inventory.
///
/// A query is one or more terms joined by ` and `; a term is `FIELD OP VALUE`:
/// fields `id` (the native id, `104` or `1/A1`), `name`, `status` and `label.KEY` of the
/// target, and `host.name` and `host.label.KEY` of the host it is on;
/// operators `=`, `!=`, `~` (glob: `*` any run of characters, `?` one character) and `!~`;
/// values bare (`web-*`) or in double quotes (`"rack a"`, with `\"` and `\\`).
/// Example: `name~web-* and label.tier=db and status=running`.
public struct SelectorQuery: Sendable, Hashable, CustomStringConvertible {
    /// What a term compares.
    public enum Field: Sendable, Hashable, Comparable {
        case id
        case name
        case status
        case label(String)
        /// The name of the host the target is on (its declaration's `name`).
        case hostName
        /// A label of the host the target is on (its declaration's `labels`).
        case hostLabel(String)

        var text: String {
            switch self {
            case .id: return "id"
            case .name: return "name"
            case .status: return "status"
            case .label(let key): return "label." + key
            case .hostName: return "host.name"
            case .hostLabel(let key): return "host.label." + key
            }
        }

        public static func < (a: Field, b: Field) -> Bool { a.text < b.text }
    }

    /// How a term compares.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case glob = "~"
        case notGlob = "!~"
    }

    /// One `FIELD OP VALUE` term.
    public struct Term: Sendable, Hashable {
        /// What is compared.
        public var field: Field
        /// How.
        public var op: Operator
        /// With what.
        public var value: String

        /// The term as canonical text.
        public var canonical: String { field.text + op.rawValue + SelectorQuery.quoteIfNeeded(value) }

        /// True when a target's attribute satisfies the term.
        public func holds(for attribute: String?) -> Bool {
            switch op {
            case .equal: return attribute == value
            case .notEqual: return attribute != value
            case .glob: return attribute.map { Glob.matches(pattern: value, $0) } ?? false
            case .notGlob: return !(attribute.map { Glob.matches(pattern: value, $0) } ?? false)
            }
        }
    }

    /// The terms, all of which must hold.
    public var terms: [Term]

    /// What `host.*` terms compare: the host a target is on, as declared.
    public struct HostFacts: Sendable, Hashable {
        /// The host's name.
        public var name: String
        /// The host's labels.
        public var labels: [String: String]

        /// Facts of a host.
        public init(name: String, labels: [String: String]) {
            self.name = name
            self.labels = labels
        }
    }

    /// The canonical text: terms deduplicated and sorted, joined by ` and `, so that word
    /// order and spacing do not change the spec.
    public var canonical: String { terms.map(\.canonical).joined(separator: " and ") }

    public var description: String { canonical }

    /// True when a target with these attributes, on a host with the facts `host`, matches
    /// every term. Without `host`, `host.*` terms see a host with no name and no labels.
    public func matches(nativeID: String, name: String?, status: String?, labels: [String: String], host: HostFacts? = nil) -> Bool {
        terms.allSatisfy { term in
            switch term.field {
            case .id: return term.holds(for: nativeID)
            case .name: return term.holds(for: name)
            case .status: return term.holds(for: status)
            case .label(let key): return term.holds(for: labels[key])
            case .hostName: return term.holds(for: host?.name)
            case .hostLabel(let key): return term.holds(for: host?.labels[key])
            }
        }
    }

    /// True when a term compares the host rather than the target.
    public var usesHost: Bool {
        terms.contains { if case .hostName = $0.field { return true }; if case .hostLabel = $0.field { return true }; return false }
    }

    /// Why a text is not a query, and where in it.
    public struct ParseError: Error, Sendable, Hashable {
        /// What is wrong and what would be right.
        public var message: String
        /// UTF-8 offset of the problem in the query text.
        public var offset: Int
    }

    /// Parses a query for targets of `targetType` (which decides the accepted `status` values).
    public static func parse(_ text: String, targetType: TargetType) -> Result<SelectorQuery, ParseError> {
        let b = Array(text.utf8)
        var i = 0
        var terms: [Term] = []
        func fail(_ message: String, _ at: Int) -> Result<SelectorQuery, ParseError> {
            .failure(ParseError(message: message, offset: at))
        }
        func skipSpaces() { while i < b.count, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") { i += 1 } }
        func isFieldByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "/")
        }
        let fieldsAccepted = "fields are id, name, status and label.KEY of the target, host.name and host.label.KEY of its host"
        skipSpaces()
        if i == b.count { return fail("empty query; write terms such as name~web-* and label.tier=db", 0) }
        while true {
            skipSpaces()
            let fieldStart = i
            while i < b.count, isFieldByte(b[i]) { i += 1 }
            let fieldText = String(decoding: b[fieldStart..<i], as: UTF8.self)
            let field: Field
            switch fieldText {
            case "id": field = .id
            case "name": field = .name
            case "status": field = .status
            case "host.name": field = .hostName
            case "": return fail("expected a field; \(fieldsAccepted)", fieldStart)
            default:
                if fieldText.hasPrefix("host.label.") && fieldText.count > 11 {
                    field = .hostLabel(String(fieldText.dropFirst(11)))
                } else if fieldText.hasPrefix("label.") && fieldText.count > 6 {
                    field = .label(String(fieldText.dropFirst(6)))
                } else {
                    return fail("unknown field \"\(fieldText)\"; \(fieldsAccepted)", fieldStart)
                }
            }
            skipSpaces()
            let opStart = i
            let op: Operator
            if i + 1 < b.count, b[i] == UInt8(ascii: "!"), b[i + 1] == UInt8(ascii: "=") { op = .notEqual; i += 2 }
            else if i + 1 < b.count, b[i] == UInt8(ascii: "!"), b[i + 1] == UInt8(ascii: "~") { op = .notGlob; i += 2 }
            else if i < b.count, b[i] == UInt8(ascii: "=") {
                op = .equal
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "=") { return fail("write = rather than ==", opStart) }
            }
            else if i < b.count, b[i] == UInt8(ascii: "~") { op = .glob; i += 1 }
            else { return fail("expected an operator after \(fieldText): =, !=, ~ (glob) or !~", opStart) }
            skipSpaces()
            let valueStart = i
            var value: [UInt8] = []
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "\\") {
                        value.append(b[i + 1])
                        i += 2
                    } else if b[i] == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    } else {
                        value.append(b[i])
                        i += 1
                    }
                }
                if !closed { return fail("the quoted value is never closed", valueStart) }
            } else {
                while i < b.count, b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "\t"), b[i] != UInt8(ascii: "\"") {
                    value.append(b[i])
                    i += 1
                }
                if value.isEmpty { return fail("expected a value after \(fieldText)\(op.rawValue); write \"\" for an empty value", valueStart) }
            }
            let valueText = String(decoding: value, as: UTF8.self)
            if field == .status, op == .equal || op == .notEqual, !targetType.states.isEmpty,
               !targetType.states.contains(valueText) {
                return fail("status of a \(targetType.rawValue) target is \(targetType.states.joined(separator: " or ")), not \"\(valueText)\"", valueStart)
            }
            terms.append(Term(field: field, op: op, value: valueText))
            skipSpaces()
            if i == b.count { break }
            let wordStart = i
            while i < b.count, b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "\t") { i += 1 }
            let word = String(decoding: b[wordStart..<i], as: UTF8.self)
            if word == "and" {
                skipSpaces()
                if i < b.count { continue }
                return fail("expected a term after \"and\"", i)
            }
            if word.lowercased() == "and" { return fail("write \"and\" in lower case", wordStart) }
            if word == "or" || word == "OR" || word == "||" { return fail("queries join terms with \"and\" only; use one policy per alternative", wordStart) }
            return fail("expected \" and \" between terms, found \"\(word)\"", wordStart)
        }
        var unique: [String: Term] = [:]
        for t in terms { unique[t.canonical] = t }
        let sorted = unique.sorted { $0.key < $1.key }.map(\.value)
        return .success(SelectorQuery(terms: sorted))
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let plain = !value.isEmpty && value.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || "._:/*?@+-".utf8.contains(c)
        }
        if plain { return value }
        return "\"" + value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }
}

extension String {
    var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }
}

/// Shell-style glob matching: `*` matches any run of characters, `?` exactly one.
public enum Glob {
    /// True when `text` matches `pattern`, compared by Unicode scalars. Linear in practice;
    /// at worst proportional to the product of the lengths, never exponential.
    public static func matches(pattern: String, _ text: String) -> Bool {
        var pattern = pattern, text = text
        if pattern.isASCII && text.isASCII {
            return pattern.withUTF8 { p in text.withUTF8 { t in match(p, t, star: UInt8(ascii: "*"), one: UInt8(ascii: "?")) } }
        }
        return match(Array(pattern.unicodeScalars), Array(text.unicodeScalars), star: "*", one: "?")
    }

    private static func match<C: RandomAccessCollection>(_ p: C, _ t: C, star: C.Element, one: C.Element) -> Bool
    where C.Element: Equatable, C.Index == Int {
        let p0 = p.startIndex, t0 = t.startIndex
        var pi = 0, ti = 0
        var starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count, p[p0 + pi] == star {
                starP = pi
                starT = ti
                pi += 1
            } else if pi < p.count, p[p0 + pi] == one || p[p0 + pi] == t[t0 + ti] {
                pi += 1
                ti += 1
            } else if starP >= 0 {
                pi = starP + 1
                starT += 1
                ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[p0 + pi] == star { pi += 1 }
        return pi == p.count
    }
}
