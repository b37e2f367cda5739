import Policy

/// The output formats of `validate`.
enum ReportFormat: String, CaseIterable {
    case text, json, github, sarif, junit
}

/// Renders a validation report in one format.
enum ReportFormatter {
    static func render(_ report: ValidationReport, as format: ReportFormat) -> String {
        switch format {
        case .text: return text(report)
        case .json: return json(report)
        case .github: return GitHubAnnotations.render(report)
        case .sarif: return SARIFLog.render(report)
        case .junit: return JUnitReport.render(report)
        }
    }

    static func text(_ report: ValidationReport) -> String {
        var out = ""
        for d in report.diagnostics { out += d.textLine + "\n" }
        return out + summary(report)
    }

    /// `OK: ...` or `FAILED: ...`, the last line of the text and GitHub formats.
    static func summary(_ report: ValidationReport) -> String {
        var out = ""
        let findings = [(Severity.blocker, "blocker"), (.error, "error"), (.warn, "warning"), (.info, "note")]
            .compactMap { s, word in report.count(s) > 0 ? Plural.count(report.count(s), word) : nil }
        var scope = "\(Plural.count(report.policyFileCount, "policy file")), \(Plural.count(report.hostCount, "host")), \(Plural.count(report.upsCount, "UPS", "UPSes"))"
        if report.checkedConfiguration { scope += " and the operator's configuration" }
        if report.ok {
            out += "OK: \(scope) valid" + (findings.isEmpty ? "" : " (\(findings.joined(separator: ", ")))") + "\n"
        } else {
            out += "FAILED: \(findings.joined(separator: ", ")) in \(scope)\n"
        }
        return out
    }

    static func json(_ report: ValidationReport) -> String {
        JSON.object([
            "ok": .bool(report.ok),
            "diagnostics": .array(report.diagnostics.map(\.json)),
            "policies": .array(report.policies.map {
                .object(["path": .string($0.path), "policy_id": .string($0.policyID), "hash": .string($0.hash)])
            }),
        ]).pretty()
    }
}
