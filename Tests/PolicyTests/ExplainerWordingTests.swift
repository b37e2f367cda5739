import Testing
@testable import Policy

/// `explain` keeps names as written and duration hints that add up (issue 8, item 27).
@Suite struct ExplainerWordingTests {
    @Test func endpointNamesKeepTheirHyphens() throws {
        let text = Fixtures.policy([
            "targets": #"{"host_id": "\#(Fixtures.pveID)", "target_type": "endpoint", "selector": {"mode": "list", "value": "ops-chat,on-call"}}"#,
            "actions": #"[{"capability_id": "webhook.request", "verb": "post", "params": {}}]"#,
        ])
        let spec = try #require(Fixtures.analyze(text).spec)
        let out = PolicyExplainer().explain(spec, path: "policies/p.json", policyID: "p")
        #expect(out.contains("ops-chat"), "\(out)")
        #expect(out.contains("on-call"), "\(out)")
        #expect(!out.contains("–"), "\(out)")
    }

    @Test func numericRangesStillReadAsRanges() throws {
        let spec = try #require(Fixtures.analyze(Fixtures.policy()).spec)
        let out = PolicyExplainer().explain(spec, path: "policies/p.json", policyID: "p")
        #expect(out.contains("104–108"), "\(out)")
    }

    @Test(arguments: [("3m1m", "4m"), ("30m1h", "1h30m"), ("5m5m", "10m"), ("1s1m1s", "1m2s"), ("1m1h30m", "1h31m")])
    func unitsOutOfOrderAreSummedInTheHint(text: String, hint: String) {
        switch PolicyDuration.parse(text) {
        case .success(let d): Issue.record("\(text) parsed as \(d)")
        case .failure(let e):
            #expect(e.code == .durationUnitOrder)
            #expect(e.message.hasSuffix("; write \(hint)"), "\(e.message)")
        }
    }
}
