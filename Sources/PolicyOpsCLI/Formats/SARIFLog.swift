import Policy

/// SARIF 2.1.0: one run of the `policyops` tool, one rule per diagnostic code that occurs,
/// one result per diagnostic with its physical location (file from the repository's root,
/// line, column) and its JSON pointer as a logical location. Code scanning services
/// (GitHub, GitLab, Azure DevOps) read it.
enum SARIFLog {
    static func level(_ severity: Severity) -> String {
        switch severity {
        case .blocker, .error: return "error"
        case .warn: return "warning"
        case .info: return "note"
        }
    }

    /// A relative path as an RFC 3986 relative reference (the schema's `uri-reference`):
    /// every UTF-8 byte other than an unreserved character or `/` percent-encoded, so a
    /// space, `#`, `%`, `?`, `:`, a control character or a non-ASCII letter stays part of
    /// the path.
    static func uri(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    static func render(_ report: ValidationReport) -> String {
        let codes = Array(Set(report.diagnostics.map(\.code))).sorted { $0.rawValue < $1.rawValue }
        let ruleIndex = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })
        let rules: [JSON] = codes.map { code in
            .object([
                "id": .string(code.rawValue),
                "name": .string(code.title.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()),
                "shortDescription": .object(["text": .string(code.title)]),
                "defaultConfiguration": .object(["level": .string(level(code.severity))]),
                "helpUri": .string("https://policyops.dev/docs/diagnostics#\(code.rawValue)"),
                "properties": .object(["severity": .string(code.severity.rawValue)]),
            ])
        }
        let results: [JSON] = report.diagnostics.map { d in
            var location: [JSON.Member] = [.init("physicalLocation", .object([
                "artifactLocation": .object(["uri": .string(uri(report.shownPath(d.file))), "uriBaseId": .string("%SRCROOT%")]),
                "region": .object(["startLine": .integer(Int64(d.line)), "startColumn": .integer(Int64(d.column))]),
            ]))]
            if !d.pointer.isEmpty {
                location.append(.init("logicalLocations", .array([.object(["fullyQualifiedName": .string(d.pointer), "kind": .string("member")])])))
            }
            return .object([
                "ruleId": .string(d.code.rawValue),
                "ruleIndex": .integer(Int64(ruleIndex[d.code]!)),
                "level": .string(level(d.severity)),
                "message": .object(["text": .string(d.message)]),
                "locations": .array([.object(location)]),
                "properties": .object(["severity": .string(d.severity.rawValue), "pointer": .string(d.pointer)]),
            ])
        }
        return JSON.object([
            "$schema": .string("https://json.schemastore.org/sarif-2.1.0.json"),
            "version": .string("2.1.0"),
            "runs": .array([.object([
                "tool": .object(["driver": .object([
                    "name": .string("policyops"),
                    "version": .string(PolicyOpsMain.version),
                    "informationUri": .string("https://policyops.dev"),
                    "rules": .array(rules),
                ])]),
                "results": .array(results),
                "columnKind": .string("unicodeCodePoints"),
            ])]),
        ]).pretty()
    }
}
