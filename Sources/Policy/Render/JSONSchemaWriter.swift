/// JSON Schema 2020-12 documents for the files of a policy repository, generated from the
/// same catalog and rules the validator uses, so editors validate as `policyops validate`
/// does for everything a schema can express (cross-file checks, the 30-day limit on
/// durations, the selector's expansion and query grammar, `1.0` written for an integer and
/// the system's list of time zones are left to `validate`). The schema never accepts what
/// validate rejects where a schema can say it, and every pattern is ECMA-262 with the `u`
/// flag, as editors match them.
public enum JSONSchemaWriter {
    /// Which schema.
    public enum Kind: String, Sendable, CaseIterable {
        case policy, host, ups, settings, config
    }

    /// The schema of one kind of file.
    public static func schema(_ kind: Kind, catalog: CapabilityCatalog = .builtIn) -> JSON {
        switch kind {
        case .policy: return policy(catalog)
        case .host: return host()
        case .ups: return ups()
        case .settings: return settings()
        case .config: return configuration()
        }
    }

    static let draft = JSON.string("https://json-schema.org/draft/2020-12/schema")
    static let durationPattern = "^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
    static let uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    /// A secret's name in the operator's configuration.
    static let secretNamePattern = "^[A-Za-z0-9._-]{1,64}$"
    static let namePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    /// Host names: as other names, at most 63 characters (a DNS label).
    static let hostNamePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
    /// Text without C0 controls, as connection values and label values are.
    static let noControlPattern = "^[^\\u0000-\\u001f]*$"
    /// The characters `String.isUnsafe` refuses in a name: C0 and C1 controls, DEL, and
    /// bidirectional marks, overrides and isolates.
    static let unsafeClass = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
    /// White space as Swift's `Character.isWhitespace` sees it, controls aside (they are refused).
    static let spaceClass = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    /// A policy name: no unsafe character, and at least 3 characters besides surrounding white space.
    static let policyNamePattern = "^(?![\\s\\S]*[\(unsafeClass)])[\(spaceClass)]*[^\(spaceClass)][\\s\\S]+[^\(spaceClass)][\(spaceClass)]*$"
    /// A time zone name's form (which names exist is the system's to say).
    static let timeZonePattern = "^[A-Za-z0-9_+-][A-Za-z0-9/_+-]{0,63}$"
    /// A Proxmox API token id: `user@realm!tokenname`.
    static let tokenIDPattern = "^[^@!\(spaceClass)\\u0000-\\u001f\\u0085]+@[^@!\(spaceClass)\\u0000-\\u001f\\u0085]+![A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

    /// Selector items as `SelectorParser` reads them: ids or ranges, spaces around them allowed.
    static let numericID = "[1-9][0-9]{0,8}"
    static let portID = "(?:Trk[1-9][0-9]{0,2}|(?:[1-9][0-9]?/)?(?:[A-Z](?:[1-9]|1[0-9]|2[0-4])|[1-9][0-9]{0,2}))"
    static let targetName = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
    static func listPattern(_ item: String, ranges: Bool) -> String {
        let one = ranges ? "[ \\t]*\(item)(?:[ \\t]*-[ \\t]*\(item))?[ \\t]*" : "[ \\t]*\(item)[ \\t]*"
        return "^\(one)(?:,\(one))*$"
    }
    static func selectorPattern(_ type: TargetType) -> String {
        switch type.idForm {
        case .numeric: return listPattern(numericID, ranges: true)
        case .port: return listPattern(portID, ranges: true)
        case .name: return listPattern(targetName, ranges: false)
        }
    }

    /// A relative path segment that is not empty, `.` or `..`.
    static func segmentsPattern(_ segment: String) -> String {
        let one = "(?!\\.\\.?(?:/|$))\(segment)"
        return "^\(one)(?:/\(one))*$"
    }

    /// Whole numbers from 0 to `n`, leading zeros allowed (a duration's groups allow them).
    static func upTo(_ n: Int) -> String {
        let digits = Array(String(n)).map { Int(String($0))! }
        var alternatives: [String] = ["0"]
        if digits.count > 1 { alternatives.append("[1-9][0-9]{0,\(digits.count - 2)}") }
        for i in digits.indices {
            let low = i == 0 ? 1 : 0, high = digits[i] - 1
            let prefix = digits[..<i].map(String.init).joined()
            let rest = digits.count - i - 1
            if high >= low {
                alternatives.append(prefix + (low == high ? "\(low)" : "[\(low)-\(high)]") + (rest > 0 ? "[0-9]{\(rest)}" : ""))
            }
        }
        alternatives.append(String(n))
        return "0*(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// Durations from 1 s to 1 h (a UPS's `poll`): the groups add up to at most 3600 s, not to 0.
    static let pollPattern: String = {
        var rest: [String] = ["0*1h(?:0+m)?(?:0+s)?"]
        for m in 0...60 {
            let seconds = 3600 - 60 * m
            let minutes = m == 0 ? "(?:0+m)?" : "0*\(m)m"
            rest.append("(?:0+h)?" + minutes + "(?:\(upTo(seconds))s)?")
        }
        return "^(?=[0-9])(?=[\\s\\S]*[1-9])(?:0+d)?(?:" + rest.joined(separator: "|") + ")$"
    }()

    /// Durations from 1 s to 60 s (a host's `connection.refresh_sla`).
    static let refreshSLAPattern: String =
        "^(?=[0-9])(?=[\\s\\S]*[1-9])(?:0+d)?(?:0+h)?(?:0*1m(?:0+s)?|(?:0+m)?(?:\(upTo(60))s))$"

    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }

    static func closedObject(required: [String] = [], _ properties: KeyValuePairs<String, JSON>, extra: [JSON.Member] = []) -> JSON {
        var members: [JSON.Member] = [.init("type", .string("object"))]
        if !required.isEmpty { members.append(.init("required", strings(required))) }
        members.append(.init("properties", .object(properties)))
        members.append(.init("additionalProperties", .bool(false)))
        return .object(members + extra)
    }

    static func described(_ schema: JSON, _ description: String) -> JSON {
        guard case .object(var members) = schema else { return schema }
        members.insert(.init("description", .string(description)), at: 0)
        return .object(members)
    }
}
