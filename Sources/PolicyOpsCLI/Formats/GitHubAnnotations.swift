import Policy

/// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
/// diagnostic, with file (from the repository's root), line, column and the code as title,
/// so the finding shows on the pull request's diff.
enum GitHubAnnotations {
    static func render(_ report: ValidationReport) -> String {
        var out = ""
        for d in report.diagnostics {
            let command: String
            switch d.severity {
            case .blocker, .error: command = "error"
            case .warn: command = "warning"
            case .info: command = "notice"
            }
            let properties = [
                "file=" + escapeProperty(report.shownPath(d.file)),
                "line=\(d.line)", "col=\(d.column)",
                "title=" + escapeProperty("\(d.code.rawValue) \(d.code.title)"),
            ].joined(separator: ",")
            let place = d.pointer.isEmpty ? "" : " (at \(d.pointer))"
            out += "::\(command) \(properties)::\(escapeData(d.severity.rawValue + ": " + d.message + place))\n"
        }
        out += ReportFormatter.summary(report)
        return out
    }

    /// Workflow command data: `%`, CR and LF escaped as the runner unescapes them (so a
    /// line break in a file name still names the file); other control characters shown.
    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A").terminalSafe
    }

    /// Workflow command properties: also `:` and `,`.
    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

extension String {
    /// Every occurrence of `target` replaced (without Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
