import Policy

/// JUnit XML as CI systems read it (Jenkins, GitLab, Azure DevOps): one test suite, one
/// test case per checked file; blockers and errors are failures, warnings and notes go to
/// the case's `system-out`.
enum JUnitReport {
    static func render(_ report: ValidationReport) -> String {
        var byFile: [String: [Diagnostic]] = [:]
        for d in report.diagnostics { byFile[d.file, default: []].append(d) }
        let files = Array(Set(report.checkedFiles).union(byFile.keys)).sorted()
        let failing = files.filter { (byFile[$0] ?? []).contains { $0.severity >= .error } }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"policyops validate\" tests=\"\(files.count)\" failures=\"\(failing.count)\" errors=\"0\">\n"
        out += "  <testsuite name=\"policyops validate\" tests=\"\(files.count)\" failures=\"\(failing.count)\" errors=\"0\" skipped=\"0\">\n"
        for file in files {
            let diagnostics = byFile[file] ?? []
            let name = escape(report.shownPath(file))
            let classname = escape(report.pathPrefix + (file.split(separator: "/").first.map(String.init) ?? file))
            let failures = diagnostics.filter { $0.severity >= .error }
            let notes = diagnostics.filter { $0.severity < .error }
            if failures.isEmpty && notes.isEmpty {
                out += "    <testcase classname=\"\(classname)\" name=\"\(name)\"/>\n"
                continue
            }
            out += "    <testcase classname=\"\(classname)\" name=\"\(name)\">\n"
            if !failures.isEmpty {
                let first = failures[0]
                let summary = failures.count == 1 ? "\(first.code.rawValue): \(first.message)" : "\(failures.count) blockers, first \(first.code.rawValue): \(first.message)"
                out += "      <failure message=\"\(escape(summary))\" type=\"\(first.code.rawValue)\">"
                out += escape(failures.map(\.textLine).joined(separator: "\n"), inAttribute: false)
                out += "</failure>\n"
            }
            if !notes.isEmpty {
                out += "      <system-out>\(escape(notes.map(\.textLine).joined(separator: "\n"), inAttribute: false))</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// XML text and attribute escaping; CR always, and LF and tab in attributes, as
    /// character references, so they read back as they were; characters XML 1.0 cannot
    /// hold become U+FFFD.
    static func escape(_ s: String, inAttribute: Bool = true) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // As character references: a parser turns a raw CR into LF, and raw white space
            // in an attribute into spaces (XML 1.0, 2.11 and 3.3.3).
            case "\r": out += "&#13;"
            case "\n": out += inAttribute ? "&#10;" : "\n"
            case "\t": out += inAttribute ? "&#9;" : "\t"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
