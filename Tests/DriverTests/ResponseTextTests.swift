import Foundation
import Testing
@testable import Drivers
@testable import HTTP

/// What a driver keeps of an answer's text: one short, terminal-safe line with the secrets it
/// resolved for the host taken out (`Redaction`'s forms, and percent-encoded), and of a
/// vendor's body only its message.
@Suite struct ResponseTextTests {
    static let secret = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60"

    static func secrets(_ values: String...) -> HostSecrets {
        var s = HostSecrets()
        for v in values { s.add(v) }
        return s
    }

    @Test func theHostsSecretsAreTakenOutInTheirFormsAndPercentEncoded() {
        let s = Self.secrets(Self.secret, "pass word/1")
        #expect(s("form: password=pass%20word%2F1&x=1") == "form: password=<secret>&x=1")
        let basic = Data(("policyops:" + Self.secret).utf8).base64EncodedString()
        let out = s("Authorization: Basic \(basic) and \(Data(Self.secret.utf8).map { String(format: "%02x", $0) }.joined())")
        #expect(out.contains("<secret>") && !out.contains(String(basic.dropFirst(16).prefix(24))) && out.hasSuffix("and <secret>"), "\(out)")
        #expect(HostSecrets()("nothing secret here") == "nothing secret here")
    }

    @Test func keptTextIsOneShortTerminalSafeLine() {
        let s = Self.secrets(Self.secret)
        let text = ResponseText.clean("line one\r\n\tline\u{1B}[31m two \(Self.secret)\n" + String(repeating: "z", count: 500), redacting: s)
        #expect(text.hasPrefix("line one line\\u{1B}[31m two <secret> zzz"), "\(text)")
        #expect(text.count == ResponseText.limit + 1 && text.hasSuffix("…"))
        // Cut after the redaction: a secret at the edge is gone whole, not cut in two.
        let edge = ResponseText.clean(String(repeating: "a", count: 190) + Self.secret, redacting: s)
        #expect(!edge.contains("0c9a7f1e") && edge.hasSuffix("<secret>"), "\(edge)")
        let response = HTTPResponse(status: 503, reason: "Service \(Self.secret) Unavailable", headers: [:], body: Array("{\"token\":\"\(Self.secret)\"}".utf8))
        #expect(ResponseText.statusLine(response, redacting: s) == "HTTP 503 Service <secret> Unavailable")
    }

    /// Proxmox's message: the reason phrase, the whole message when it says more, the
    /// parameters' complaints; AOS-S's `message` or `error`; nothing else of a body.
    @Test func vendorsMessagesAreKeptAndNothingElse() {
        let s = Self.secrets(Self.secret)
        func answer(_ status: Int, _ reason: String, _ body: String) -> HTTPResponse {
            HTTPResponse(status: status, reason: reason, headers: [:], body: Array(body.utf8))
        }
        #expect(ProxmoxDriver.message(of: answer(400, "Parameter verification failed.", #"{"data":null,"message":"Parameter verification failed.\n","errors":{"timeout":"type check ('integer') failed - got 'x'"}}"#), redacting: s)
                == "Parameter verification failed. (timeout: type check ('integer') failed - got 'x')")
        #expect(ProxmoxDriver.message(of: answer(500, "first line", "{\"message\":\"first line\\nsecond \(Self.secret)\\n\"}"), redacting: s) == "first line second <secret>")
        #expect(ProxmoxDriver.message(of: answer(401, "invalid token value!", ""), redacting: s) == "invalid token value!")
        #expect(ProxmoxDriver.message(of: answer(500, "Internal Server Error", "<html>\(Self.secret)</html>"), redacting: s) == "Internal Server Error")
        #expect(AOSSDriver.message(of: answer(500, "Internal Server Error", "{\"token\": \"\(Self.secret)\"}"), redacting: s) == "Internal Server Error")
        #expect(AOSSDriver.message(of: answer(400, "Bad Request", #"{"error": "Malformed JSON input."}"#), redacting: s) == "Malformed JSON input.")
    }
}
