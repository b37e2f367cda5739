import Testing
import Drivers
@testable import Engine
@testable import Policy

/// Every rule of SPEC section 6, on a manual clock and simulated hosts.
@Suite struct EngineRuleTests {
    @Test func anEventRunsTheMatchingPolicyAndRecordsEverything() async {
        let h = await Harness(World.set(["shutdown": World.policy("shutdown-web")]))
        let records = await h.send(.upsState, ["state": "on_battery"])
        #expect(records.map(\.kind) == [.event, .decision, .start, .execution])
        #expect(records[1].results.map(\.outcome) == ["scheduled", "scheduled", "scheduled"])
        #expect(records[3].results.map(\.outcome) == ["succeeded", "succeeded", "succeeded"])
        #expect(await h.targetState(World.rack, "vm:104") == "stopped")
        #expect(await h.targetState(World.rack, "vm:101") == "running")
        #expect(records.allSatisfy { $0.eventID == "e1" })
        // A repeated report of the same state is not a transition: nothing fires.
        #expect(await h.send(.upsState, ["state": "on_battery"]).decisions.isEmpty)
    }

    @Test func policiesRunByPriorityThenIDAndStopOnMatchStops() async {
        let set = World.set([
            "late": World.policy("late", selector: #"{"mode": "list", "value": "107"}"#, extra: "\"priority\": 5"),
            "first": World.policy("first", selector: #"{"mode": "list", "value": "104"}"#, extra: "\"priority\": -1"),
            "stopper": World.policy("stopper", selector: #"{"mode": "list", "value": "105"}"#, extra: "\"priority\": 1, \"stop_on_match\": true"),
            "never": World.policy("never", selector: #"{"mode": "list", "value": "106"}"#, extra: "\"priority\": 2"),
        ])
        let h = await Harness(set)
        let records = await h.send(.upsState, ["state": "on_battery"])
        let decisions = records.decisions
        #expect(decisions.map { $0.details["policy"]?.stringValue } == ["first", "stopper"])
        // The event's record counts every policy the event fired, stopped or not.
        #expect(records.first?.details["fired"]?.integerValue == 4)
        #expect(records.first?.details["matched"]?.integerValue == 2)
        #expect(await h.targetState(World.rack, "vm:106") == "running")
        // Equal priorities: by policy id.
        let tie = World.set(["a": World.policy("alpha", selector: #"{"mode": "list", "value": "104"}"#), "b": World.policy("beta", selector: #"{"mode": "list", "value": "105"}"#)])
        let order = await Harness(tie).send(.upsState, ["state": "on_battery"]).decisions.map(\.policyID!)
        #expect(order == [World.id("a"), World.id("b")].sorted())
    }

    @Test func stopOnMatchNeedsAScheduledAction() async {
        let set = World.set([
            "noop": World.policy("noop", selector: #"{"mode": "list", "value": "108"}"#, extra: "\"priority\": 1, \"stop_on_match\": true"),
            "next": World.policy("next", selector: #"{"mode": "list", "value": "104"}"#, extra: "\"priority\": 2"),
        ])
        let h = await Harness(set)
        let records = await h.send(.upsState, ["state": "on_battery"])
        #expect(records.decisions.count == 2)
        #expect(records.decisions[0].results.map(\.outcome) == ["already-in-state"])
    }

    @Test func allNeedsEveryTriggerToHold() async {
        let p = World.policy("shed", trigger: #"{"type": "ups.state", "equals": "on_battery"}, {"type": "metric.threshold", "metric": "load", "op": ">", "value": 60, "for": "2m"}"#,
                             logic: "ALL", selector: #"{"mode": "list", "value": "107"}"#)
        let h = await Harness(World.set(["shed": p]))
        #expect(await h.send(.upsState, ["state": "on_battery"]).decisions.isEmpty)
        #expect(await h.send(.metric, ["load": "72"]).decisions.isEmpty)
        #expect(await h.advance(seconds: 60).decisions.isEmpty)
        let fired = await h.advance(seconds: 61)
        #expect(fired.first?.kind == .event && fired.first?.details["event"]?["type"]?.stringValue == "metric.hold")
        #expect(fired.decisions.count == 1)
        #expect(await h.targetState(World.rack, "vm:107") == "stopped")
    }

    @Test func anyFiresOnEitherTrigger() async {
        let p = World.policy("either", trigger: #"{"type": "ups.state", "equals": "low_battery"}, {"type": "webhook.custom", "name": "drill"}"#)
        let h = await Harness(World.set(["either": p]))
        #expect(await h.send(.webhook, ["name": "drill"], subject: Subject(kind: "webhook", id: "drill")).decisions.count == 1)
    }

    @Test func aMetricWithoutForFiresWhenItStartsToHold() async {
        let p = World.policy("hot", trigger: #"{"type": "metric.threshold", "metric": "ups.load", "op": ">=", "value": 80}"#)
        let h = await Harness(World.set(["hot": p]))
        #expect(await h.send(.metric, ["load": "70"]).decisions.isEmpty)
        #expect(await h.send(.metric, ["ups.load": "85"]).decisions.count == 1)
        #expect(await h.send(.metric, ["load": "90"]).decisions.isEmpty, "still holding: not a new crossing")
        _ = await h.send(.metric, ["load": "50"])
        #expect(await h.advance(seconds: 1000).isEmpty)
        #expect(await h.send(.metric, ["load": "81"]).decisions.count == 1)
    }

    @Test func theSuppressionWindow() async {
        let p = World.policy("drill", trigger: #"{"type": "webhook.custom", "name": "drill"}"#, action: #"{"capability_id": "sim.vm", "verb": "reset"}"#,
                             extra: #""suppression_window": "5m", "idempotency_window": "0s""#)
        let h = await Harness(World.set(["drill": p]))
        let drill = Subject(kind: "webhook", id: "drill")
        #expect(await h.send(.webhook, ["name": "drill"], subject: drill).outcomes().filter { $0 == "scheduled" }.count == 3)
        h.clock.advance(seconds: 299)
        let suppressed = await h.send(.webhook, ["name": "drill"], subject: drill).decisions
        #expect(suppressed.count == 1 && suppressed[0].details["code"]?.stringValue == "PO5009" && suppressed[0].results.isEmpty)
        h.clock.advance(seconds: 2)
        #expect(await h.send(.webhook, ["name": "drill"], subject: drill).outcomes().filter { $0 == "scheduled" }.count == 3)
        #expect(await h.executions(World.rack).count == 6)
    }

    @Test func theIdempotencyWindowAcrossPolicies() async {
        let a = World.policy("alpha", trigger: #"{"type": "webhook.custom", "name": "go"}"#, action: #"{"capability_id": "sim.vm", "verb": "reset"}"#,
                             extra: #""priority": 1, "idempotency_window": "10m""#)
        let b = World.policy("beta", trigger: #"{"type": "webhook.custom", "name": "go"}"#, selector: #"{"mode": "list", "value": "105-107"}"#,
                             action: #"{"capability_id": "sim.vm", "verb": "reset"}"#, extra: #""priority": 2, "idempotency_window": "10m""#)
        let h = await Harness(World.set(["a": a, "b": b]))
        let records = await h.send(.webhook, ["name": "go"], subject: Subject(kind: "webhook", id: "go"))
        #expect(records.decisions[1].results.map(\.outcome) == ["suppressed-idempotent", "suppressed-idempotent", "scheduled"])
        #expect(await h.executions(World.rack).map(\.targetID).sorted() == ["vm:104", "vm:105", "vm:106", "vm:107"])
        // The same policy later, past its suppression window but inside its idempotency window.
        h.clock.advance(seconds: 400)
        let again = await h.send(.webhook, ["name": "go"], subject: Subject(kind: "webhook", id: "go"))
        #expect(again.outcomes().allSatisfy { $0 == "suppressed-idempotent" })
        h.clock.advance(seconds: 300)
        #expect(await h.send(.webhook, ["name": "go"], subject: Subject(kind: "webhook", id: "go")).outcomes().contains("scheduled"))
    }

    @Test func emptySelectionIsAWarningAndMissingTargetsAreNamed() async {
        let none = World.policy("none", selector: #"{"mode": "query", "value": "label.tier=db"}"#)
        let partly = World.policy("partly", selector: #"{"mode": "list", "value": "104,150"}"#)
        let h = await Harness(World.set(["none": none, "partly": partly]))
        let decisions = await h.send(.upsState, ["state": "on_battery"]).decisions
        let empty = decisions.first { $0.details["policy"]?.stringValue == "none" }!
        #expect(empty.severity == .warn && empty.details["code"]?.stringValue == "PO5001")
        let missing = decisions.first { $0.details["policy"]?.stringValue == "partly" }!
        #expect(missing.severity == .warn)
        #expect(missing.details["missing"]?.arrayValue == [.string("vm:150")])
        #expect(missing.results.map(\.targetID) == ["vm:104"])
    }

    @Test func dynamicResolutionSeesTheInventoryNow() async {
        let q = World.policy("running-web", trigger: #"{"type": "webhook.custom", "name": "go"}"#,
                             selector: #"{"mode": "query", "value": "label.tier=web and status=running"}"#, action: #"{"capability_id": "sim.vm", "verb": "stop"}"#,
                             extra: #""suppression_window": "0s""#)
        let h = await Harness(World.set(["q": q]))
        var s = h.world.load(await h.host(World.rack))
        s.targets[2].state = "stopped"  // web-2 stopped by hand
        h.world.set(s)
        let records = await h.send(.webhook, ["name": "go"], subject: Subject(kind: "webhook", id: "go"))
        #expect(records.decisions[0].results.map(\.targetID) == ["vm:104", "vm:106"])
    }

    @Test func frozenTargetsWhenDynamicResolutionIsOff() async {
        let q = World.policy("frozen", selector: #"{"mode": "query", "value": "label.tier=web"}"#, extra: #""dynamic_resolution": false"#)
        var set = World.set(["frozen": q])
        set.freeze(World.id("frozen"), targets: ["vm:104"])
        let h = await Harness(set)
        #expect(await h.send(.upsState, ["state": "on_battery"]).decisions[0].results.map(\.targetID) == ["vm:104"])
    }

    @Test func alreadyInStateIsSkipped() async {
        let h = await Harness(World.set(["start": World.policy("start", selector: #"{"mode": "list", "value": "104,108"}"#, action: #"{"capability_id": "sim.vm", "verb": "start"}"#)]))
        let records = await h.send(.upsState, ["state": "on_battery"])
        #expect(records.decisions[0].results.map(\.outcome) == ["already-in-state", "scheduled"])
        #expect(await h.executions(World.rack).map(\.targetID) == ["vm:108"])
    }

    @Test func anUnreachableHostDisablesThePolicyUntilADryRunPasses() async {
        let h = await Harness(World.set(["s": World.policy("shut", extra: #""suppression_window": "0s""#)]))
        await h.injectFaults(await h.host(World.rack)) { $0.unreachable = true }
        let records = await h.send(.upsState, ["state": "on_battery"])
        #expect(records.decisions[0].severity == .error)
        #expect(records.decisions[0].details["code"]?.stringValue == "PO5004")
        #expect(await h.state.disabled[World.id("s")] != nil)
        _ = await h.send(.upsState, ["state": "on_mains"])
        let skipped = await h.send(.upsState, ["state": "on_battery"]).decisions
        #expect(skipped[0].severity == .warn && skipped[0].message.contains("disabled"))
        // The fault clears; a dry-run passes and the policy runs again.
        await h.injectFaults(await h.host(World.rack)) { $0.unreachable = false }
        let plans = await h.engine.plan(h.set.policies)
        #expect(plans[0].severity == .info)
        _ = await h.record([LedgerRecord(kind: .dryRun, ts: h.clock.now(), severity: plans[0].severity, policyID: World.id("s"), message: "passes")])
        _ = await h.send(.upsState, ["state": "on_mains"])
        #expect(await h.send(.upsState, ["state": "on_battery"]).outcomes().contains("scheduled"))
    }

    /// Credentials refused by a host (an auth error), and a secret the operator did not
    /// grant (the pve host's token names an environment variable no configuration lists):
    /// both are errors, the second PO5013.
    @Test func authDeniedAndUnresolvedSecretsAreErrors() async {
        let h = await Harness(World.set(["s": World.policy("shut"),
                                         "p": World.policy("pve-shut", host: World.pve, action: #"{"capability_id": "proxmox.vm", "verb": "shutdown"}"#)]))
        await h.injectFaults(await h.host(World.rack)) { $0.authDenied = true }
        let decisions = await h.send(.upsState, ["state": "on_battery"]).decisions
        #expect(decisions.map { $0.details["code"]?.stringValue ?? "" }.sorted() == ["PO5005", "PO5013"])
        #expect(decisions.allSatisfy { $0.severity == .error })
        #expect(decisions.contains { $0.message.contains(#"{"env":"X"} in "token_secret" is not listed for this host"#) }, "\(decisions.map(\.message))")
    }

    @Test func conditionsReadTheUPSTheHostAndTheTargets() async {
        let p = World.policy("guarded", extra: #""conditions": {"all": [{"scope": "ups", "field": "charge_pct", "op": "<", "value": 50}, {"scope": "host", "field": "reachable", "op": "=", "value": true}, {"scope": "vm", "field": "count_running", "op": ">=", "value": 3}]}"#)
        let h = await Harness(World.set(["guarded": p]))
        #expect(await h.send(.upsState, ["state": "on_battery", "charge_pct": "80"]).decisions.isEmpty)
        _ = await h.send(.upsState, ["state": "on_mains"])
        #expect(await h.send(.upsState, ["state": "on_battery", "charge_pct": "40"]).decisions.count == 1)
        let onBattery = World.policy("long", trigger: #"{"type": "metric.threshold", "metric": "charge_pct", "op": "<", "value": 30}"#,
                                     extra: #""conditions": {"all": [{"scope": "ups", "field": "on_battery_s", "op": ">=", "value": 600}]}"#)
        let h2 = await Harness(World.set(["long": onBattery]))
        _ = await h2.send(.upsState, ["state": "on_battery"])
        h2.clock.advance(seconds: 300)
        #expect(await h2.send(.metric, ["charge_pct": "25"]).decisions.isEmpty)
        _ = await h2.send(.metric, ["charge_pct": "60"])
        h2.clock.advance(seconds: 301)
        #expect(await h2.send(.metric, ["charge_pct": "25"]).decisions.count == 1)
    }

    @Test func timerAfterCountsFromTheLatestEvent() async {
        let p = World.policy("start", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                             selector: #"{"mode": "list", "value": "108"}"#, action: #"{"capability_id": "sim.vm", "verb": "start"}"#)
        let h = await Harness(World.set(["start": p]))
        _ = await h.send(.upsState, ["state": "on_battery"])
        _ = await h.send(.upsState, ["state": "on_mains"])
        h.clock.advance(seconds: 90)
        _ = await h.send(.upsState, ["state": "on_battery"])
        _ = await h.send(.upsState, ["state": "on_mains"])  // re-arms: two minutes from now
        #expect(await h.advance(seconds: 60).isEmpty)
        let fired = await h.advance(seconds: 61)
        #expect(fired.decisions.count == 1)
        #expect(await h.advance(seconds: 600).isEmpty, "fires once")
    }

    @Test func timerAtFiresInTheTimeZoneOncePerOccurrence() async throws {
        let p = World.policy("nightly", trigger: #"{"type": "timer.at", "schedule": {"repeat": "weekly", "at": "01:00", "days": ["sun"]}}"#,
                             action: #"{"capability_id": "sim.vm", "verb": "reset"}"#, extra: #""idempotency_window": "0s""#)
        let h = await Harness(World.set(["nightly": p], timeZone: "Europe/Berlin"))
        // 2026-01-03 is a Saturday; 01:00 in Berlin on Sunday the 4th is 00:00 UTC.
        h.clock.set(try #require(Timestamp(iso8601: "2026-01-03T23:58:00Z")))
        #expect(await h.advance(seconds: 60).isEmpty)
        let fired = await h.advance(seconds: 61)
        #expect(fired.decisions.count == 1)
        #expect(fired.first?.details["event"]?["attrs"]?["occurrence"]?.stringValue == "2026-01-04T00:00:00.000Z")
        #expect(await h.advance(seconds: 3600).isEmpty)
        // A week later, in summer time: 01:00 Berlin is 23:00 UTC the day before.
        h.clock.set(try #require(Timestamp(iso8601: "2026-07-04T22:59:00Z")))
        #expect(await h.advance(seconds: 120).decisions.count == 1)
    }

    @Test func missedTimersFireLateOnlyWithinTheGrace() async throws {
        let p = World.policy("daily", trigger: #"{"type": "timer.at", "schedule": {"repeat": "daily", "at": "12:00"}}"#,
                             action: #"{"capability_id": "sim.vm", "verb": "reset"}"#)
        let h = await Harness(World.set(["daily": p]))
        h.clock.set(try #require(Timestamp(iso8601: "2026-03-01T12:04:00Z")))  // 4 min late: still fires
        #expect(await h.advance(seconds: 0).decisions.count == 1)
        h.clock.set(try #require(Timestamp(iso8601: "2026-03-02T12:30:00Z")))  // 30 min late: skipped
        #expect(await h.advance(seconds: 0).isEmpty)
    }

    /// An occurrence that passed before the commit that brought the policy never fires,
    /// not even within the grace; the next one does, and the engine's next deadline says so.
    @Test func aTimerCountsFromTheCommitThatBroughtIt() async throws {
        let p = World.policy("daily", trigger: #"{"type": "timer.at", "schedule": {"repeat": "daily", "at": "00:00"}}"#,
                             action: #"{"capability_id": "sim.vm", "verb": "reset"}"#)
        let h = await Harness(World.set(["daily": p]))  // applied at 2026-01-01T00:00:00Z: the 00:00 of that day is not after it
        h.clock.set(try #require(Timestamp(iso8601: "2026-01-01T00:02:00Z")))
        #expect(await h.advance(seconds: 0).isEmpty)
        #expect(await h.engine.nextDeadline(now: h.clock.now()) == Timestamp(iso8601: "2026-01-02T00:00:00Z"))
        h.clock.set(try #require(Timestamp(iso8601: "2026-01-02T00:00:00Z")))
        #expect(await h.advance(seconds: 0).decisions.count == 1)
        #expect(await h.engine.nextDeadline(now: h.clock.now()) == Timestamp(iso8601: "2026-01-03T00:00:00Z"))
    }
}
