extension String {
    /// The text with characters that can rewrite a terminal or a log line (C0 and C1
    /// controls, DEL, bidirectional overrides and isolates) shown as `\u{XXXX}`, so a
    /// hostile key or value in a policy file cannot forge output when it is printed.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: Self.isUnsafe) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            if Self.isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Each line made terminal-safe, the line breaks kept.
    public var terminalSafeLines: String {
        split(separator: "\n", omittingEmptySubsequences: false).map { String($0).terminalSafe }.joined(separator: "\n")
    }

    /// True for scalars a name may not hold and printed text escapes.
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
