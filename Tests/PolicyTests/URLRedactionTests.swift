import Testing
@testable import Policy

/// A URL written with credentials is a blocker (PO3106) whose message, and so the SARIF,
/// `remote:` lines and CI annotations made from it, never repeats the secret part.
@Suite struct URLRedactionTests {
    @Test(arguments: [
        ("https://root:pw-77341@pve-1:8006", "https://root:<redacted>@pve-1:8006"),
        ("https://xoxb-SECRET-991@hooks.example/path", "https://<redacted>@hooks.example/path"),
        ("http://a:b:c@h/x?y=1", "http://a:<redacted>@h/x?y=1"),
        ("root:pw-77341@pve-1", "root:<redacted>@pve-1"),
        ("https://pve-1:8006/a@b", "https://pve-1:8006/a@b"),
        ("https://pve-1:8006", "https://pve-1:8006"),
    ])
    func theSecretPartIsRedacted(_ url: String, _ shown: String) {
        #expect(EndpointURL.redactingCredentials(url) == shown)
    }

    @Test func pO3106NeverRepeatsThePassword() {
        let text = Fixtures.pveHost.replacingAll(#""url": "https://pve-1:8006""#, with: #""url": "https://root:pw-77341@pve-1:8006""#)
        let (host, diagnostics) = HostDeclarationReader.read(path: "hosts/h.json", bytes: Array(text.utf8))
        #expect(host == nil)
        #expect(diagnostics.map(\.code) == [.invalidURL])
        #expect(diagnostics.allSatisfy { !$0.message.contains("pw-77341") }, "\(diagnostics.map(\.message))")
        #expect(diagnostics.first?.message.contains("https://root:<redacted>@pve-1:8006") == true, "\(diagnostics.map(\.message))")
    }
}
