import Testing
@testable import Policy

/// The query language reaches the host's own name and labels (issue 8, item 18; SPEC §2).
@Suite struct HostQueryTests {
    @Test func hostFieldsParseAndKeepTheirCanonicalText() throws {
        let q = try SelectorQuery.parse("label.tier=web and host.label.site=lab and host.name~pve-*", targetType: .vm).get()
        #expect(q.canonical == "host.label.site=lab and host.name~pve-* and label.tier=web")
    }

    @Test func hostFieldsMatchTheHostNotTheTarget() throws {
        let q = try SelectorQuery.parse("host.label.site=lab and label.tier=web", targetType: .vm).get()
        let host = SelectorQuery.HostFacts(name: "pve-1", labels: ["site": "lab"])
        #expect(q.matches(nativeID: "104", name: "web-1", status: "running", labels: ["tier": "web"], host: host))
        #expect(!q.matches(nativeID: "104", name: "web-1", status: "running", labels: ["tier": "web"],
                           host: SelectorQuery.HostFacts(name: "pve-2", labels: ["site": "dc"])))
        // A target's own label of the same key is not the host's.
        #expect(!q.matches(nativeID: "104", name: "web-1", status: "running", labels: ["tier": "web", "site": "lab"],
                           host: SelectorQuery.HostFacts(name: "pve-2", labels: [:])))
        let byName = try SelectorQuery.parse("host.name=pve-1", targetType: .vm).get()
        #expect(byName.matches(nativeID: "1", name: "x", status: nil, labels: [:], host: host))
    }

    @Test(arguments: ["host.label.=x", "host.labels.site=lab", "host.id=1", "host=lab"])
    func malformedHostFieldsAreRefused(text: String) {
        if case .success(let q) = SelectorQuery.parse(text, targetType: .vm) { Issue.record("\(text) parsed as \(q)") }
    }

    @Test func aPolicyMayQueryByHostLabel() {
        let text = Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.pveID)", "target_type": "vm", "selector": {"mode": "query", "value": "host.label.site=rack-a and status=running"}}"#])
        let result = Fixtures.compile(policies: ["policies/p.json": text])
        #expect(!result.hasBlocker, "\(result.diagnostics.map(\.message))")
    }
}
