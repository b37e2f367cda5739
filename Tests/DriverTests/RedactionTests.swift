import Foundation
import Testing
@testable import Drivers
@testable import HTTP

/// What a driver takes out of the text it keeps from an answer: each secret it resolved for
/// the host, as it is and in the encodings a server may echo it in.
@Suite struct RedactionTests {
    static let secret = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60"

    static func redaction(_ values: String...) -> Redaction {
        var r = Redaction()
        for v in values { r.add(v) }
        return r
    }

    @Test func theValueItsHexAndItsBase64AreRedacted() {
        let r = Self.redaction(Self.secret)
        let bytes = Data(Self.secret.utf8)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let base64 = bytes.base64EncodedString()
        for form in [Self.secret, hex, hex.uppercased(), base64, String(base64.prefix { $0 != "=" })] {
            let out = r("before \(form) after")
            #expect(out.hasPrefix("before <secret>") && out.hasSuffix(" after"), "\(form) → \(out)")
        }
        #expect(Self.redaction("pass word/1")("form: password=pass%20word%2F1&x=1") == "form: password=<secret>&x=1")
        #expect(Redaction.base64(Array("any carnal pleasure.".utf8)) == Data("any carnal pleasure.".utf8).base64EncodedString())
        #expect(Redaction.base64(Array("ab".utf8)) == "YWI=" && Redaction.base64([]) == "")
    }

    /// Inside a longer encoded value (HTTP Basic's `user:password`), at each alignment.
    @Test(arguments: ["u:", "us:", "use:", "policyops:"])
    func aSecretInsideALongerBase64ValueIsRedacted(prefix: String) {
        let r = Self.redaction(Self.secret)
        for encoded in [Data((prefix + Self.secret).utf8).base64EncodedString(), Data((prefix + Self.secret + "@x").utf8).base64EncodedString()] {
            let out = r("Authorization: Basic \(encoded)")
            #expect(out.contains("<secret>"), "\(prefix): \(encoded) → \(out)")
            // What is left is the prefix's and the suffix's encoding and a character or two at each edge.
            let left = out.replacingOccurrences(of: "Authorization: Basic ", with: "").replacingOccurrences(of: "<secret>", with: "")
            #expect(left.count <= (prefix.count + 2) * 4 / 3 + 8, "\(out)")
        }
    }

    @Test func shortValuesAreLeftAloneAndNothingElseChanges() {
        let r = Self.redaction("abc", "")
        #expect(r("abc def") == "abc def" && r.forms.isEmpty)
        #expect(Self.redaction(Self.secret)("nothing secret here") == "nothing secret here")
    }

    @Test func keptTextIsOneShortTerminalSafeLine() {
        let r = Self.redaction(Self.secret)
        let text = ResponseText.clean("line one\r\n\tline\u{1B}[31m two \(Self.secret)\n" + String(repeating: "z", count: 500), redacting: r)
        #expect(text.hasPrefix("line one line\\u{1B}[31m two <secret> zzz"), "\(text)")
        #expect(text.count == ResponseText.limit + 1 && text.hasSuffix("…"))
        // Cut after the redaction: a secret at the edge is gone whole, not cut in two.
        let edge = ResponseText.clean(String(repeating: "a", count: 190) + Self.secret, redacting: r)
        #expect(!edge.contains("0c9a7f1e") && edge.hasSuffix("<secret>"), "\(edge)")
        let response = HTTPResponse(status: 503, reason: "Service \(Self.secret) Unavailable", headers: [:], body: Array("{\"token\":\"\(Self.secret)\"}".utf8))
        #expect(ResponseText.statusLine(response, redacting: r) == "HTTP 503 Service <secret> Unavailable")
    }

    /// Proxmox's message: the reason phrase, the whole message when it says more, the
    /// parameters' complaints; nothing else of the body.
    @Test func proxmoxsMessageIsItsReasonMessageAndErrors() {
        let r = Self.redaction(Self.secret)
        func answer(_ status: Int, _ reason: String, _ body: String) -> HTTPResponse {
            HTTPResponse(status: status, reason: reason, headers: [:], body: Array(body.utf8))
        }
        #expect(ProxmoxDriver.message(of: answer(400, "Parameter verification failed.", #"{"data":null,"message":"Parameter verification failed.\n","errors":{"timeout":"type check ('integer') failed - got 'x'"}}"#), redacting: r)
                == "Parameter verification failed. (timeout: type check ('integer') failed - got 'x')")
        #expect(ProxmoxDriver.message(of: answer(500, "first line", "{\"message\":\"first line\\nsecond \(Self.secret)\\n\"}"), redacting: r) == "first line second <secret>")
        #expect(ProxmoxDriver.message(of: answer(401, "invalid token value!", ""), redacting: r) == "invalid token value!")
        #expect(ProxmoxDriver.message(of: answer(500, "Internal Server Error", "<html>\(Self.secret)</html>"), redacting: r) == "Internal Server Error")
        #expect(AOSSDriver.message(of: answer(500, "Internal Server Error", "{\"token\": \"\(Self.secret)\"}"), redacting: r) == "Internal Server Error")
        #expect(AOSSDriver.message(of: answer(400, "Bad Request", #"{"error": "Malformed JSON input."}"#), redacting: r) == "Malformed JSON input.")
    }
}
