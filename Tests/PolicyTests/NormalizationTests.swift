import Testing
import Hashing
@testable import Policy

@Suite struct NormalizationTests {
    func hash(_ text: String) throws -> SHA256Digest {
        let a = Fixtures.analyze(text)
        #expect(a.diagnostics.filter { $0.severity == .blocker } == [], "\(a.diagnostics)")
        return try #require(a.hash)
    }

    @Test func defaultsOmittedOrSpelledOutHashTheSame() throws {
        let omitted = Fixtures.policy()
        let spelled = Fixtures.policy([
            "enabled": "true", "stop_on_match": "false", "dynamic_resolution": "true", "conditions": #"{"all": []}"#,
            "suppression_window": "\"5m\"", "idempotency_window": "\"10m\"",
            "actions": #"[{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 60, "force": false, "confirm": false}, "idempotency": {"key_hint": null}}]"#,
        ])
        #expect(try hash(omitted) == hash(spelled))
        let logicOmitted = Fixtures.policy(["trigger_group": #"{"triggers": [{"type": "ups.state", "equals": "on_battery"}]}"#])
        #expect(try hash(omitted) == hash(logicOmitted))
    }

    @Test func keyOrderAndWhiteSpaceDoNotMatter() throws {
        let a = Fixtures.policy()
        let b = #"{"actions":[{"params":{"grace_s":60},"verb":"shutdown","capability_id":"proxmox.vm"}],"targets":{"selector":{"value":"104-108","mode":"list"},"target_type":"vm","host_id":"\#(Fixtures.pveID)"},"trigger_group":{"triggers":[{"equals":"on_battery","type":"ups.state"}],"logic":"ANY"},"priority":10,"name":"shutdown-on-battery","version":1}"#
        #expect(try hash(a) == hash(b))
    }

    @Test func equivalentSpellingsHashTheSame() throws {
        let base = try hash(Fixtures.policy(["suppression_window": "\"300s\""]))
        #expect(try base == hash(Fixtures.policy(["suppression_window": "\"5m\""])))
        let selector = { (v: String, mode: String) in Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.pveID.uppercased())", "target_type": "vm", "selector": {"mode": "\#(mode)", "value": "\#(v)"}}"#]) }
        #expect(try hash(selector("104,105,106,107,108", "list")) == hash(selector("106-108,104-105", "range")))
        let metric = { (name: String, value: String) in Fixtures.policy(["trigger_group": #"{"triggers": [{"type": "metric.threshold", "metric": "\#(name)", "op": ">", "value": \#(value)}]}"#]) }
        #expect(try hash(metric("load", "60")) == hash(metric("ups.load", "60.0")))
        let two = { (a: String, b: String) in Fixtures.policy(["trigger_group": #"{"triggers": [\#(a), \#(b)]}"#]) }
        let t1 = #"{"type": "ups.state", "equals": "on_battery"}"#, t2 = #"{"type": "webhook.custom", "name": "drill"}"#
        #expect(try hash(two(t1, t2)) == hash(two(t2, t1)))
        let days = { (d: String) in Fixtures.policy(["trigger_group": #"{"triggers": [{"type": "timer.at", "schedule": {"repeat": "weekly", "at": "01:00", "days": \#(d)}}]}"#]) }
        #expect(try hash(days(#"["sun", "sat"]"#)) == hash(days(#"["sat", "sun"]"#)))
    }

    @Test func differentSpecsHashDifferently() throws {
        #expect(try hash(Fixtures.policy()) != hash(Fixtures.policy(["priority": "11"])))
        #expect(try hash(Fixtures.policy()) != hash(Fixtures.policy(["notes": "\"x\""])))
    }

    @Test func theNormalizedSpecIsItselfValidAndAFixpoint() throws {
        let texts = [
            Fixtures.policy(),
            Fixtures.policy(["trigger_group": #"{"logic": "ALL", "triggers": [{"type": "metric.threshold", "metric": "battery.charge", "op": "<", "value": 40.5, "for": "120s"}, {"type": "timer.after", "after": "90s", "since_event": {"type": "webhook.custom", "equals": "drill"}}]}"#,
                             "conditions": #"{"all": [{"scope": "ups", "field": "runtime_minutes", "op": ">=", "value": 5}, {"scope": "host", "field": "reachable", "op": "=", "value": true}]}"#]),
        ]
        for text in texts {
            let spec = try #require(Fixtures.analyze(text).spec)
            let once = spec.normalized.pretty()
            let again = Fixtures.analyze(once)
            #expect(again.diagnostics == [])
            #expect(try #require(again.spec).normalized == spec.normalized)
        }
    }

    @Test func policyIDsAreStableUUIDsFromThePath() {
        let id = PolicyIdentity.policyID(path: "policies/a.json")
        #expect(id == PolicyIdentity.policyID(path: "policies/a.json"))
        #expect(id != PolicyIdentity.policyID(path: "policies/b.json"))
        #expect(HostID.normalize(id) == id)
        #expect(Array(id)[14] == "8")
    }

    @Test func theIRCarriesTheSpecAndNothingThatChangesBetweenRuns() throws {
        let a = Fixtures.analyze(Fixtures.policy())
        let compiled = CompiledPolicy(policyID: "p", spec: try #require(a.spec), hash: try #require(a.hash), versionInt: 3)
        let ir = compiled.ir
        #expect(ir["version_int"] == .integer(3))
        #expect(ir["targets"]?["resolved_ids"]?.arrayValue?.count == 5)
        #expect(ir["windows"]?["suppression_s"] == .integer(300))
        #expect(ir["plan"]?.arrayValue?.first?["params"]?["grace_s"] == .integer(60))
        #expect(StoredObject(ir).address == StoredObject(compiled.ir).address)
    }
}
