import Testing
@testable import Policy

/// The port-protection review over ranges across modules, which only the switch's inventory
/// expands (issue 8, item 26).
@Suite struct PortProtectionReviewTests {
    static func switchHost(_ ports: String) -> String {
        Fixtures.switchHost.replacingAll(#""protected_ports": ["1/49-1/52"]"#, with: #""protected_ports": \#(ports)"#)
    }

    static func poePolicy(_ value: String) -> String {
        Fixtures.policy([
            "targets": #"{"host_id": "\#(Fixtures.switchID)", "target_type": "poe-port", "selector": {"mode": "list", "value": "\#(value)"}}"#,
            "actions": #"[{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "off", "confirm": true}}]"#,
        ])
    }

    func review(protected: String, before: String?, after: String) -> [Diagnostic] {
        let hosts = [Fixtures.pveHost, Self.switchHost(protected)]
        let old = Fixtures.compile(policies: before.map { ["policies/p.json": Self.poePolicy($0)] } ?? [:], hosts: hosts)
        let new = Fixtures.compile(policies: ["policies/p.json": Self.poePolicy(after)], hosts: hosts)
        #expect(!new.hasBlocker, "\(new.diagnostics.map(\.message))")
        return PortProtectionReview(before: old, after: new).findings
    }

    @Test func aRangeAcrossModulesThatReachesAProtectedPortWarns() throws {
        let findings = review(protected: #"["1/B2"]"#, before: "1/A1-1/A4", after: "1/A1-1/C4")
        let d = try #require(findings.first)
        #expect(findings.count == 1 && d.code == .protectionWeakened && d.severity == .warn)
        #expect(d.pointer == "/targets/selector/value" && d.message.contains("1/A1-1/C4"), "\(d.message)")
    }

    @Test func aSelectorThatAlreadyCoveredThePortDoesNotWarnAgain() {
        #expect(review(protected: #"["1/A2"]"#, before: "1/A1-1/A4", after: "1/A1-1/A4,1/A8").isEmpty)
    }

    @Test func aNewPolicyOnAProtectedPortWarns() {
        #expect(review(protected: #"["1/A1-1/B4"]"#, before: nil, after: "1/A3").map(\.code) == [.protectionWeakened])
        #expect(review(protected: #"["1/A1-1/B4"]"#, before: nil, after: "1/C3").isEmpty)
    }

    @Test func narrowingACrossModuleRangeIsALoss() throws {
        let before = Fixtures.compile(policies: [:], hosts: [Self.switchHost(#"["1/A1-1/C4"]"#)])
        let after = Fixtures.compile(policies: [:], hosts: [Self.switchHost(#"["1/A1-1/B4"]"#)])
        let d = try #require(PortProtectionReview(before: before, after: after).findings.first)
        #expect(d.file == "hosts/h0.json" && d.pointer == "/connection/protected_ports" && d.message.contains("1/A1-1/C4"), "\(d.message)")
        let widened = Fixtures.compile(policies: [:], hosts: [Self.switchHost(#"["1/A1-1/D4"]"#)])
        #expect(PortProtectionReview(before: before, after: widened).findings.isEmpty)
    }
}
