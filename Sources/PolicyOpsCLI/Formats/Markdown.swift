/// Text from policies, hosts and commits put into GitHub-flavoured Markdown so that it
/// reads as the same characters: no name ends a code span early, turns into HTML or
/// emphasis, or splits a table cell.
enum Markdown {
    /// A code span holding `s` exactly: fenced by one backtick more than its longest run
    /// of backticks (CommonMark), padded by a space when it starts or ends with one, line
    /// breaks as spaces, `|` escaped for tables (GFM reads `\|` as `|` inside spans too).
    static func code(_ s: String) -> String {
        let flat = oneLine(s)
        var longest = 0, run = 0
        for c in flat {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || (flat.hasPrefix(" ") && flat.hasSuffix(" ") && flat.contains { $0 != " " }) ? " " : ""
        return fence + pad + flat.replacingOccurrences(of: "|", with: "\\|") + pad + fence
    }

    /// Plain text for a table cell or a sentence: the characters Markdown and GFM read as
    /// syntax in the middle of a line (code, emphasis, links, cells, strike-through, math)
    /// are backslash-escaped; `<`, `>` and `&` are entities; line breaks are spaces.
    static func text(_ s: String) -> String {
        var out = ""
        for c in oneLine(s) {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "|", "~", "$": out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }

    /// Text inside an HTML block (`<summary>`), where Markdown's backslash escapes do not
    /// work: the characters HTML reads as markup become entities.
    static func html(_ s: String) -> String {
        oneLine(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Line breaks (and other control characters) as spaces: a table row is one line.
    static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
