import Testing
import Drivers
@testable import Engine
@testable import Policy

/// What a decision record tells a reader about the rules that shaped it: which policy
/// stopped the evaluation (`stop_on_match`) and which were left out, and the
/// `suppressed-window` label of a suppressed policy (SPEC section 6).
@Suite struct DecisionTraceTests {
    @Test func theStoppingPolicyNamesThePoliciesItLeftOut() async throws {
        let set = World.set([
            "first": World.policy("first", selector: #"{"mode": "list", "value": "104"}"#, extra: "\"priority\": -1"),
            "stopper": World.policy("stopper", selector: #"{"mode": "list", "value": "105"}"#, extra: "\"priority\": 1, \"stop_on_match\": true"),
            "never": World.policy("never", selector: #"{"mode": "list", "value": "106"}"#, extra: "\"priority\": 2"),
            "late": World.policy("late", selector: #"{"mode": "list", "value": "107"}"#, extra: "\"priority\": 5"),
            "elsewhere": World.policy("elsewhere", trigger: #"{"type": "webhook.custom", "name": "drill"}"#),
        ])
        let h = await Harness(set)
        let decisions = await h.send(.upsState, ["state": "on_battery"]).decisions
        #expect(decisions.map { $0.details["policy"]?.stringValue } == ["first", "stopper"])
        let first = decisions[0], stopper = decisions[1]
        #expect(first.details["stop_on_match"] == nil, "a policy that did not stop anything says nothing about it")
        let stop = try #require(stopper.details["stop_on_match"])
        #expect(stop["stopped"]?.boolValue == true)
        // In the order they would have run; a policy the event did not shortlist is not named.
        let left = try #require(stop["not_evaluated"]?.arrayValue)
        #expect(left.map { $0["policy_id"]?.stringValue } == [World.id("never"), World.id("late")])
        #expect(left.map { $0["name"]?.stringValue } == ["never", "late"])
        #expect(stop["not_evaluated_count"]?.integerValue == 2)
        #expect(stopper.message.contains("stop_on_match: 2 shortlisted policies not evaluated (never, late)"), "\(stopper.message)")
        // The record reads back from the ledger's JSON with the same facts.
        let parsed = try #require(JSON.parse(stopper.canonicalBytes))
        let back = try #require(LedgerRecord(json: parsed))
        #expect(back.details["stop_on_match"]?["not_evaluated"]?.arrayValue?.count == 2)
    }

    @Test func oneLeftOutPolicyIsCountedInTheSingular() async {
        let set = World.set([
            "stopper": World.policy("stopper", selector: #"{"mode": "list", "value": "105"}"#, extra: "\"priority\": 1, \"stop_on_match\": true"),
            "never": World.policy("never", selector: #"{"mode": "list", "value": "106"}"#, extra: "\"priority\": 2"),
        ])
        let h = await Harness(set)
        let stopper = await h.send(.upsState, ["state": "on_battery"]).decisions[0]
        #expect(stopper.message.contains("stop_on_match: 1 shortlisted policy not evaluated (never)"), "\(stopper.message)")
    }

    @Test func aStopperThatStopsNothingSaysNothing() async {
        // Last in line: nothing is left to leave out.
        let set = World.set([
            "first": World.policy("first", selector: #"{"mode": "list", "value": "104"}"#, extra: "\"priority\": 1"),
            "stopper": World.policy("stopper", selector: #"{"mode": "list", "value": "105"}"#, extra: "\"priority\": 2, \"stop_on_match\": true"),
        ])
        let h = await Harness(set)
        let decisions = await h.send(.upsState, ["state": "on_battery"]).decisions
        #expect(decisions.count == 2)
        #expect(decisions.allSatisfy { $0.details["stop_on_match"] == nil })
    }

    @Test func countsInRecordsAgreeWithTheirNouns() async {
        let one = World.policy("one", selector: #"{"mode": "list", "value": "104,150"}"#)
        let h = await Harness(World.set(["one": one]))
        let records = await h.send(.upsState, ["state": "on_battery"])
        #expect(records.first?.message.hasSuffix(": 1 policy fired, 1 matched") == true, "\(records.first?.message ?? "")")
        #expect(records.decisions.first?.message.contains("; 1 selected target is not in the inventory") == true, "\(records.decisions.first?.message ?? "")")
        let two = World.set(["a": World.policy("alpha"), "b": World.policy("beta", selector: #"{"mode": "list", "value": "107,150,151"}"#)])
        let more = await Harness(two).send(.upsState, ["state": "on_battery"])
        #expect(more.first?.message.hasSuffix(": 2 policies fired, 2 matched") == true, "\(more.first?.message ?? "")")
        #expect(more.decisions.last?.message.contains("; 2 selected targets are not in the inventory") == true, "\(more.decisions.last?.message ?? "")")
        #expect(Plural.count(0, "blocker") == "0 blockers" && Plural.count(1, "policy", "policies") == "1 policy")
    }

    @Test func aSuppressedPolicyCarriesTheSuppressedWindowLabel() async {
        let p = World.policy("drill", trigger: #"{"type": "webhook.custom", "name": "drill"}"#, action: #"{"capability_id": "sim.vm", "verb": "reset"}"#,
                             extra: #""suppression_window": "5m", "idempotency_window": "0s""#)
        let h = await Harness(World.set(["drill": p]))
        let drill = Subject(kind: "webhook", id: "drill")
        let ran = await h.send(.webhook, ["name": "drill"], subject: drill).decisions
        #expect(ran.count == 1 && ran[0].details["outcome"] == nil)
        h.clock.advance(seconds: 60)
        let suppressed = await h.send(.webhook, ["name": "drill"], subject: drill).decisions
        #expect(suppressed.count == 1)
        #expect(suppressed.first?.severity == .info)
        #expect(suppressed.first?.details["outcome"]?.stringValue == "suppressed-window")
        #expect(suppressed.first?.details["code"]?.stringValue == "PO5009")
        #expect(suppressed.first?.message.contains("suppressed-window") == true, "\(suppressed.first?.message ?? "")")
    }
}
