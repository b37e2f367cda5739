/// A duration as policies write it: `<integer><unit>` groups with units `d`, `h`, `m`, `s`
/// in descending order, each at most once (`90s`, `5m`, `1h30m`, `0s`), up to 30 days.
public struct PolicyDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in seconds.
    public var seconds: Int64

    /// The longest duration accepted: 30 days.
    public static let maximum = PolicyDuration(seconds: 30 * 86_400)

    /// A duration of `seconds`.
    public init(seconds: Int64) { self.seconds = seconds }

    public static func < (a: PolicyDuration, b: PolicyDuration) -> Bool { a.seconds < b.seconds }

    /// Why a text is not a duration.
    public struct ParseError: Error, Sendable, Hashable {
        /// PO2101, PO2102 or PO2103.
        public var code: DiagnosticCode
        /// What is wrong and what would be right.
        public var message: String
    }

    private static let units: [(unit: UInt8, seconds: Int64)] = [
        (UInt8(ascii: "d"), 86_400), (UInt8(ascii: "h"), 3_600), (UInt8(ascii: "m"), 60), (UInt8(ascii: "s"), 1),
    ]

    /// Parses a duration, or says precisely why the text is not one.
    public static func parse(_ text: String) -> Result<PolicyDuration, ParseError> {
        func syntax(_ message: String) -> Result<PolicyDuration, ParseError> {
            .failure(ParseError(code: .invalidDuration, message: message))
        }
        let accepted = "write one or more <integer><unit> groups with units d, h, m, s, such as 90s, 5m or 1h30m"
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return syntax("empty duration; \(accepted)") }
        if bytes.first == UInt8(ascii: "-") { return syntax("duration \"\(text)\" is negative; durations are 0s or more") }
        if bytes.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            return syntax("duration \"\(text)\" has spaces; write it without them, such as \(text.filter { $0 != " " && $0 != "\t" })")
        }
        var total: Int64 = 0
        var lastUnitIndex = -1
        var i = 0
        var overflow = false
        while i < bytes.count {
            let start = i
            var value: Int64 = 0
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { overflow = true }
                value = overflow ? Int64.max : a
                i += 1
            }
            if i == start {
                if bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                    return syntax("duration \"\(text)\" has a fraction; \(accepted)")
                }
                return syntax("\"\(text)\" is not a duration; \(accepted)")
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                return syntax("duration \"\(text)\" has a fraction; write whole units instead, such as 1h30m for 1.5h")
            }
            guard i < bytes.count else {
                return syntax("the number \(String(decoding: bytes[start..<i], as: UTF8.self)) in \"\(text)\" needs a unit, such as \(String(decoding: bytes[start..<i], as: UTF8.self))s")
            }
            var unitEnd = i
            while unitEnd < bytes.count, !(bytes[unitEnd] >= UInt8(ascii: "0") && bytes[unitEnd] <= UInt8(ascii: "9")) { unitEnd += 1 }
            let unitText = String(decoding: bytes[i..<unitEnd], as: UTF8.self)
            guard unitEnd - i == 1, let index = units.firstIndex(where: { $0.unit == bytes[i] }) else {
                let lower = unitText.lowercased()
                if unitEnd - i == 1, units.contains(where: { String(UnicodeScalar($0.unit)) == lower }) {
                    return syntax("unit \"\(unitText)\" in \"\(text)\" must be lower case: \(lower)")
                }
                return syntax("unknown unit \"\(unitText)\" in \"\(text)\"; units are d, h, m and s")
            }
            if index <= lastUnitIndex {
                var message = "units in \"\(text)\" must come in descending order (d, h, m, s), each at most once"
                if let fixed = summed(bytes) { message += "; write \(fixed)" } else { message += ", such as 1h30m" }
                return .failure(ParseError(code: .durationUnitOrder, message: message))
            }
            lastUnitIndex = index
            let (product, o) = value.multipliedReportingOverflow(by: units[index].seconds)
            if o || overflow { total = Int64.max } else {
                let (sum, o2) = total.addingReportingOverflow(product)
                total = o2 ? Int64.max : sum
            }
            i = unitEnd
        }
        if total > maximum.seconds {
            return .failure(ParseError(code: .durationTooLong,
                                       message: "duration \"\(text)\" is longer than 30 days, the limit"))
        }
        return .success(PolicyDuration(seconds: total))
    }

    /// The groups added up and written canonically ("30m1h" → "1h30m", "3m1m" → "4m"), when
    /// every group is `<integer><unit>` and the sum is within the limit.
    private static func summed(_ bytes: [UInt8]) -> String? {
        var total: Int64 = 0
        var value: Int64 = 0
        var digits = 0
        for b in bytes {
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                guard digits < 10 else { return nil }
                value = value * 10 + Int64(b - UInt8(ascii: "0"))
                digits += 1
                continue
            }
            guard digits > 0, let unit = units.first(where: { $0.unit == b }) else { return nil }
            total += value * unit.seconds
            guard total <= maximum.seconds else { return nil }
            value = 0
            digits = 0
        }
        guard digits == 0 else { return nil }
        return PolicyDuration(seconds: total).canonical
    }

    /// The canonical text: the largest units first, zero groups left out, `0s` for zero.
    public var canonical: String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, size) in Self.units where rest >= size {
            out += String(rest / size) + String(UnicodeScalar(unit))
            rest %= size
        }
        return out
    }

    public var description: String { canonical }

    /// Words for people: "2 min", "1 h 30 min", "90 s" is written "1 min 30 s".
    public var spoken: String {
        if seconds == 0 { return "0 s" }
        var rest = seconds
        var parts: [String] = []
        for (name, size) in [("d", Int64(86_400)), ("h", 3_600), ("min", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size) \(name)")
            rest %= size
        }
        return parts.joined(separator: " ")
    }
}
