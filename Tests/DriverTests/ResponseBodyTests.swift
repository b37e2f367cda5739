import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Policy
import Secrets

/// What a driver keeps of an HTTP answer for its records (SPEC section 18): the status line
/// and the vendor's error message, one line, at most about 200 characters, terminal-safe,
/// with every secret the driver resolved for the host redacted, as it is and as base64 or
/// hex. A body an internal endpoint answers with — a token in JSON, an HTML error page —
/// never reaches an outcome, an inventory problem, and so the ledger.
@Suite struct ResponseBodyTests {
    static let token = "tok-5f0c2e9a-77b1-4d2e-9a31-c0ffee123456"

    /// A value as it is, and in the encodings a server may echo it in.
    static func forms(_ secret: String) -> [String] {
        let bytes = Data(secret.utf8)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let base64 = bytes.base64EncodedString()
        return [secret, hex, hex.uppercased(), base64, String(base64.prefix { $0 != "=" }),
                base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]
    }

    /// The secret's forms, and the stable middle of its base64 when it sits inside a longer
    /// value (`Basic base64(user:secret)`).
    static func leaks(_ text: String?, _ secret: String = token) -> [String] {
        let text = text ?? ""
        var found = forms(secret).filter { text.contains($0) }
        let embedded = Data(("policyops:" + secret).utf8).base64EncodedString()
        if text.contains(String(embedded.dropFirst(16).prefix(24))) { found.append("base64 of user:secret") }
        return found
    }

    static func hostile(_ secret: String) -> [String] {
        let bytes = Data(secret.utf8)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let basic = Data(("policyops:" + secret).utf8).base64EncodedString()
        return [
            #"{"token":"\#(secret)","message":"internal"}"#,
            "<html><head><title>500</title></head><body><h1>Internal Server Error</h1><pre>\nAuthorization: \(secret)\nX-Echo: \(bytes.base64EncodedString())\n\(hex)\nBasic \(basic)\n</pre></body></html>",
        ]
    }

    @Test func aWebhookReceiversBodyIsNeverKept() async throws {
        let receiver = try Simulator("webhook_receiver.py", [])
        let hook = WebhookDriverTests.host(url: receiver.url, pin: nil, hmac: .named("hook-hmac"), headers: ["X-Api-Key": .reference(.named("hook-key"))])
        let driver = WebhookDriver(secrets: Grants.secrets([.init(name: "hook-key", value: Self.token, host: hook.id, field: "headers.X-Api-Key"),
                                                            .init(name: "hook-hmac", value: "hmac-k3y-0b6e2d", host: hook.id, field: "hmac_secret")]),
                                   clock: ManualClock())
        for body in Self.hostile(Self.token) {
            try receiver.control("POST", "/_sim/config", ["status": 500, "body": body, "content_type": body.hasPrefix("<") ? "text/html" : "application/json"])
            let done = await driver.execute(hook, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint])
            #expect(done.first?.outcome == "failed" && done.first?.detail == "HTTP 500 Internal Server Error", "\(done)")
        }
        // A reason phrase is the server's too: one line, short, the secret redacted.
        let reason = "Bad Gateway \(Self.token) " + Data(Self.token.utf8).base64EncodedString() + " \u{1B}[2J" + String(repeating: "x", count: 400)
        try receiver.control("POST", "/_sim/config", ["status": 502, "reason": reason, "body": "upstream said \(Self.token)"])
        let done = await driver.execute(hook, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint])
        let detail = done.first?.detail ?? ""
        #expect(detail.hasPrefix("HTTP 502 Bad Gateway ") && Self.leaks(detail).isEmpty && !detail.contains("upstream said"), "\(detail)")
        #expect(detail.count <= 220 && !detail.unicodeScalars.contains { $0.value < 0x20 }, "\(detail)")
    }

    /// Proxmox's message (its reason phrase and `message`) is kept — it says what went wrong —
    /// with the token redacted; a body that is not Proxmox's JSON is not kept at all.
    @Test func proxmoxKeepsItsMessageWithoutTheToken() async throws {
        let dir = TemporaryDirectory()
        let secret = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60"
        var state = ProxmoxDriverTests.state
        state["fail_lists"] = ["lxc": "unable to read lxc list: token \(secret) " + Data(secret.utf8).base64EncodedString() + " " + String(repeating: "y", count: 300)]
        let file = dir.join("pve.json")
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: file))
        let sim = try Simulator("proxmox_sim.py", ["--state", file])
        let host = ProxmoxDriverTests.host(sim.url, pin: Array(repeating: 0, count: 32))
        let inventory = await ProxmoxDriverTests.driver().refresh(host, full: false)
        let problem = inventory.problem ?? ""
        #expect(inventory.problemCode == .partialRefresh && problem.contains("unable to read lxc list: token "), "\(problem)")
        #expect(Self.leaks(problem, secret).isEmpty && problem.count < 400, "\(problem)")
        // An answer that is not Proxmox's: a proxy's HTML page with the token in it.
        let fake = try Simulator("webhook_receiver.py", [])
        for body in Self.hostile(secret) {
            for status in [200, 500] {
                try fake.control("POST", "/_sim/config", ["status": status, "body": body, "content_type": "text/html"])
                let answer = await ProxmoxDriverTests.driver().refresh(ProxmoxDriverTests.host(fake.url, pin: Array(repeating: 0, count: 32)), full: false)
                let text = answer.problem ?? ""
                // (A 200 of JSON without `data` is an empty node, not an error: nothing to keep.)
                #expect(answer.reachable == (status == 200 && body.hasPrefix("{")), "\(status): \(text)")
                #expect(Self.leaks(text, secret).isEmpty && !text.contains("<html") && !text.contains("<pre"), "\(status): \(text)")
            }
        }
    }

    /// AOS-S answers `{"message": ...}` or `{"error": ...}`: kept, redacted; anything else is not.
    @Test func theSwitchsMessageIsKeptWithoutThePassword() async throws {
        let fake = try Simulator("webhook_receiver.py", [])
        let password = "sw-pass-4471-9c2d"
        var host = AOSSDriverTests.host(fake.url, ca: "/nonexistent.pem")
        host.connection = .aoss(url: .literal(fake.url), apiVersion: "v7", username: .literal("policyops"), password: .named("sw-password"),
                                protectedPorts: [], tls: .standard)
        let driver = AOSSDriver(secrets: Grants.secrets([.init(name: "sw-password", value: password, host: host.id, field: "password")]), clock: ManualClock())
        for (body, kept) in [(#"{"message": "Authentication failed for \#(password)."}"#, "Authentication failed for <secret>."),
                             (#"{"error": "session table full"}"#, "session table full"),
                             (Self.hostile(password)[1], nil)] {
            try fake.control("POST", "/_sim/config", ["status": 500, "body": body])
            let inventory = await driver.refresh(host, full: false)
            let text = inventory.problem ?? ""
            #expect(Self.leaks(text, password).isEmpty && !text.contains("<html") && !text.contains("Basic"), "\(text)")
            if let kept { #expect(text.contains(kept), "\(text)") }
        }
    }
}
