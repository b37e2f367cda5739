import Foundation
import Testing
import Secrets

/// The forms of a secret that `Redaction` finds: each one an ordinary tool makes of it.
@Suite struct RedactionTests {
    static let secret = "s3cr3t-Value+/?~"

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test(arguments: [
        secret, base64(secret), base64(secret + "\n"),
        base64(secret).replacingOccurrences(of: "=", with: ""),
        base64(secret).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"),
        Data(secret.utf8).map { String(format: "%02x", $0) }.joined(), Data(secret.utf8).map { String(format: "%02X", $0) }.joined(),
        String(secret.reversed()),
    ])
    func eachFormIsReplaced(_ form: String) {
        #expect(Redaction.redact("before \(form) after", values: [Self.secret]) == "before <secret> after")
    }

    /// Inside a longer encoded text, wherever the value starts, what depends on it alone goes.
    @Test(arguments: ["", "a", "ab", "abc", "header: "])
    func inALongerEncodedText(_ prefix: String) {
        let encoded = Self.base64(prefix + Self.secret + " trailer")
        let redacted = Redaction.redact(encoded, values: [Self.secret])
        #expect(redacted.contains("<secret>"), "\(redacted)")
        #expect(redacted.replacingOccurrences(of: "<secret>", with: "").count <= encoded.count - Self.base64(Self.secret).count + 4, "\(redacted)")
    }

    /// `base64` wraps its output at 76 columns, and `od` or `fold` at others: a long value's
    /// encoding split over lines is found all the same.
    @Test func formsBrokenOverLines() {
        let long = String(repeating: "k9Zq-7Lw", count: 9)
        let encoded = Self.base64(long)
        let wrapped = stride(from: 0, to: encoded.count, by: 76).map { start in
            String(encoded.dropFirst(start).prefix(76))
        }.joined(separator: "\n")
        #expect(wrapped.contains("\n"))
        #expect(Redaction.redact("out:\n\(wrapped)\nend", values: [long]) == "out:\n<secret>\nend")
        #expect(Redaction.redact("a \(long.prefix(30))\r\n\(long.dropFirst(30)) b", values: [long]) == "a <secret> b")
    }

    @Test func bytesNotCharacters() {
        // A combining mark after the value makes one character of its last letter and the mark.
        #expect(Redaction.redact("x\(Self.secret)\u{301}", values: [Self.secret]) == "x<secret>\u{301}")
        #expect(Redaction.redact("nothing here", values: [""]) == "nothing here")
        #expect(Redaction.forms(of: "").isEmpty)
        #expect(Redaction.forms(of: Self.secret).first?.count ?? 0 >= Redaction.forms(of: Self.secret).last?.count ?? 0)
    }
}
