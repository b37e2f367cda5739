import Testing
@testable import Policy

@Suite struct PolicyValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var fields: [String: String]
        var removing: [String] = []
        var code: DiagnosticCode
        var pointer: String
        var testDescription: String { "\(code.rawValue) at \(pointer)" }
    }

    static func trig(_ t: String) -> String { #"{"triggers": [\#(t)]}"# }
    static func cond(_ c: String) -> String { #"{"all": [\#(c)]}"# }
    static func target(_ type: String, _ mode: String, _ value: String) -> String {
        #"{"host_id": "\#(Fixtures.pveID)", "target_type": "\#(type)", "selector": {"mode": "\#(mode)", "value": "\#(value)"}}"#
    }
    static func action(_ a: String) -> String { "[\(a)]" }

    static let cases: [Case] = [
        Case(fields: ["prority": "1"], code: .unknownField, pointer: "/prority"),
        Case(fields: [:], removing: ["name"], code: .missingField, pointer: ""),
        Case(fields: ["enabled": "\"yes\""], code: .wrongType, pointer: "/enabled"),
        Case(fields: ["notes": "null"], code: .nullValue, pointer: "/notes"),
        Case(fields: ["trigger_group": #"{"logic": "all", "triggers": [{"type": "ups.state", "equals": "on_battery"}]}"#], code: .invalidValue, pointer: "/trigger_group/logic"),
        Case(fields: ["priority": "1.0"], code: .notInteger, pointer: "/priority"),
        Case(fields: ["priority": "1e2"], code: .notInteger, pointer: "/priority"),
        Case(fields: ["priority": "9223372036854775808"], code: .outOfRange, pointer: "/priority"),
        Case(fields: ["name": "\" ab \""], code: .nameTooShort, pointer: "/name"),
        Case(fields: ["version": "2"], code: .unsupportedVersion, pointer: "/version"),
        Case(fields: ["trigger_group": #"{"triggers": []}"#], code: .emptyList, pointer: "/trigger_group/triggers"),
        Case(fields: ["actions": "[]"], code: .emptyList, pointer: "/actions"),
        Case(fields: ["suppression_window": "\"5 minutes\""], code: .invalidDuration, pointer: "/suppression_window"),
        Case(fields: ["idempotency_window": "\"30m1h\""], code: .durationUnitOrder, pointer: "/idempotency_window"),
        Case(fields: ["suppression_window": "\"31d\""], code: .durationTooLong, pointer: "/suppression_window"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "daily", "at": "24:00"}}"#)], code: .invalidTimeOfDay, pointer: "/trigger_group/triggers/0/schedule/at"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "daily", "at": "1:00"}}"#)], code: .invalidTimeOfDay, pointer: "/trigger_group/triggers/0/schedule/at"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "weekly", "at": "01:00", "days": ["Sun"]}}"#)], code: .invalidDay, pointer: "/trigger_group/triggers/0/schedule/days/0"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "weekly", "at": "01:00"}}"#)], code: .weeklyDays, pointer: "/trigger_group/triggers/0/schedule"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "weekly", "at": "01:00", "days": ["sun", "sun"]}}"#)], code: .weeklyDays, pointer: "/trigger_group/triggers/0/schedule/days/1"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.at", "schedule": {"repeat": "daily", "at": "01:00", "days": ["sun"]}}"#)], code: .dailyDays, pointer: "/trigger_group/triggers/0/schedule/days"),
        Case(fields: ["trigger_group": trig(#"{"type": "ups.status", "equals": "on_battery"}"#)], code: .unknownTriggerType, pointer: "/trigger_group/triggers/0/type"),
        Case(fields: ["trigger_group": trig(#"{"type": "ups.state", "equals": "ON_BATTERY"}"#)], code: .unknownUPSState, pointer: "/trigger_group/triggers/0/equals"),
        Case(fields: ["trigger_group": trig(#"{"type": "metric.threshold", "metric": "temperature", "op": ">", "value": 40}"#)], code: .unknownMetric, pointer: "/trigger_group/triggers/0/metric"),
        Case(fields: ["trigger_group": trig(#"{"type": "metric.threshold", "metric": "load", "op": "=>", "value": 40}"#)], code: .operatorNotAllowed, pointer: "/trigger_group/triggers/0/op"),
        Case(fields: ["conditions": cond(#"{"scope": "host", "field": "reachable", "op": ">", "value": true}"#)], code: .operatorNotAllowed, pointer: "/conditions/all/0/op"),
        Case(fields: ["conditions": cond(#"{"scope": "vm", "field": "count", "op": ">", "value": 1}"#)], code: .unknownConditionField, pointer: "/conditions/all/0/field"),
        Case(fields: ["conditions": cond(#"{"scope": "ups", "field": "charge_pct", "op": ">", "value": "50"}"#)], code: .conditionValueType, pointer: "/conditions/all/0/value"),
        Case(fields: ["conditions": cond(#"{"scope": "ups", "field": "state", "op": "=", "value": "battery"}"#)], code: .unknownUPSState, pointer: "/conditions/all/0/value"),
        Case(fields: ["conditions": cond(#"{"scope": "cluster", "field": "x", "op": "=", "value": 1}"#)], code: .invalidValue, pointer: "/conditions/all/0/scope"),
        Case(fields: ["trigger_group": trig(#"{"type": "timer.after", "after": "10m", "since_event": {"type": "timer.at", "equals": "x"}}"#)], code: .invalidSinceEvent, pointer: "/trigger_group/triggers/0/since_event/type"),
        Case(fields: ["trigger_group": trig(#"{"type": "webhook.custom", "name": "deploy now"}"#)], code: .invalidValue, pointer: "/trigger_group/triggers/0/name"),
        Case(fields: ["targets": target("vm", "list", "104,,105")], code: .emptySelectorItem, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("vm", "list", "web-1")], code: .invalidTargetID, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("vm", "range", "108-104")], code: .reversedRange, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("poe-port", "range", "1/1-2/4"), "actions": action(#"{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "off"}}"#)], code: .incompatibleRange, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("vm", "range", "1-10000")], code: .tooManyTargets, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("vm", "query", "name~web-* or name~db-*")], code: .invalidQuery, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("host", "range", "local"), "actions": action(#"{"capability_id": "exec.command", "verb": "run", "params": {"argv": ["true"]}}"#)], code: .rangeNotAllowed, pointer: "/targets/selector/value"),
        Case(fields: ["targets": target("vm", "sideways", "104")], code: .invalidValue, pointer: "/targets/selector/mode"),
        Case(fields: ["targets": #"{"host_id": "pve-1", "target_type": "vm", "selector": {"mode": "list", "value": "104"}}"#], code: .invalidHostID, pointer: "/targets/host_id"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vms", "verb": "shutdown"}"#)], code: .unknownCapability, pointer: "/actions/0/capability_id"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "halt"}"#)], code: .unknownVerb, pointer: "/actions/0/verb"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.ct", "verb": "shutdown"}"#)], code: .targetTypeMismatch, pointer: "/actions/0/capability_id"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace": 60}}"#)], code: .unknownParam, pointer: "/actions/0/params/grace"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 7200}}"#)], code: .invalidParam, pointer: "/actions/0/params/grace_s"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": "60"}}"#)], code: .invalidParam, pointer: "/actions/0/params/grace_s"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 60.5}}"#)], code: .notInteger, pointer: "/actions/0/params/grace_s"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "start", "params": {"grace_s": 60}}"#)], code: .unknownParam, pointer: "/actions/0/params/grace_s"),
        Case(fields: ["targets": target("poe-port", "list", "1/1"), "actions": action(#"{"capability_id": "aoss.poe.port", "verb": "set"}"#)], code: .missingParam, pointer: "/actions/0"),
        Case(fields: ["targets": target("poe-port", "list", "1/1"), "actions": action(#"{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "of"}}"#)], code: .invalidParam, pointer: "/actions/0/params/state"),
        Case(fields: ["actions": action(#"{"capability_id": "proxmox.vm", "verb": "shutdown", "idempotency": {"key_hint": 5}}"#)], code: .wrongType, pointer: "/actions/0/idempotency/key_hint"),
        Case(fields: ["name": "\"line\\nbreak\""], code: .invalidValue, pointer: "/name"),
        Case(fields: ["$schema": "7"], code: .wrongType, pointer: "/$schema"),
    ]

    @Test(arguments: cases)
    func reportsTheMistakeAtItsPointer(c: Case) {
        let a = Fixtures.analyze(Fixtures.policy(c.fields, removing: c.removing))
        #expect(a.diagnostics.contains { $0.code == c.code && $0.pointer == c.pointer },
                "expected \(c.code.rawValue) at \(c.pointer), got \(a.diagnostics.map { "\($0.code.rawValue) \($0.pointer): \($0.message)" })")
        #expect(a.spec == nil)
    }

    @Test func everyProblemInAFileIsReportedNotOnlyTheFirst() {
        let text = Fixtures.policy(["prority": "1", "enabled": "\"yes\"", "suppression_window": "\"5 m\"",
                                    "actions": #"[{"capability_id": "proxmox.vm", "verb": "halt"}, {"capability_id": "nope", "verb": "x"}]"#])
        let codes = Set(Fixtures.analyze(text).diagnostics.map(\.code))
        #expect(codes == [.unknownField, .wrongType, .invalidDuration, .unknownVerb, .unknownCapability])
    }

    @Test func positionsPointAtTheOffendingText() throws {
        let text = "{\n  \"version\": 1,\n  \"name\": \"abc\",\n  \"prority\": 3\n}"
        let d = try #require(Fixtures.analyze(text).diagnostics.first { $0.code == .unknownField })
        #expect((d.line, d.column) == (4, 3))
        #expect(d.message.contains("did you mean \"priority\""))
        let sel = Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.pveID)", "target_type": "vm", "selector": {"mode": "list", "value": "104, 108-105"}}"#])
        let r = try #require(Fixtures.analyze(sel).diagnostics.first { $0.code == .reversedRange })
        let line = sel.split(separator: "\n", omittingEmptySubsequences: false)[r.line - 1]
        #expect(Array(line)[r.column - 1] == "1")
        #expect(line.dropFirst(r.column - 1).hasPrefix("108-105"))
    }

    @Test func warningsDoNotBlock() throws {
        let a = Fixtures.analyze(Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.pveID)", "target_type": "vm", "selector": {"mode": "list", "value": "104,104"}}"#]))
        #expect(a.diagnostics.map(\.code) == [.repeatedTarget])
        #expect(a.spec != nil)
        let bom = Fixtures.analyze("\u{FEFF}" + Fixtures.policy())
        #expect(bom.diagnostics.map(\.code) == [.byteOrderMark])
        #expect(bom.spec != nil)
    }
}

@Suite struct RepositoryCompilerTests {
    @Test func aTargetHostMustBeDeclared() {
        let c = Fixtures.compile(policies: ["policies/a.json": Fixtures.policy()], hosts: [Fixtures.simHost])
        #expect(c.policies[0].diagnostics.map(\.code) == [.unknownHost])
        #expect(c.policies[0].diagnostics[0].pointer == "/targets/host_id")
        #expect(c.hasBlocker)
    }

    @Test func aCapabilityMustBeOfTheHostsDriver() {
        let text = Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.simID)", "target_type": "vm", "selector": {"mode": "list", "value": "104"}}"#])
        let c = Fixtures.compile(policies: ["policies/a.json": text])
        #expect(c.policies[0].diagnostics.map(\.code) == [.capabilityNotOnDriver])
        #expect(c.policies[0].diagnostics[0].pointer == "/actions/0/capability_id")
    }

    @Test func duplicateNormalizedSpecsBlockBothFiles() {
        let a = Fixtures.policy()
        let b = Fixtures.policy(["enabled": "true", "suppression_window": "\"300s\""])
        let c = Fixtures.compile(policies: ["policies/a.json": a, "policies/b.json": b, "policies/c.json": Fixtures.policy(["name": "\"other\""])])
        #expect(c.policies.map { $0.diagnostics.map(\.code) } == [[.duplicateSpec], [.duplicateSpec], []])
        #expect(c.policies[0].diagnostics[0].message.contains("policies/b.json"))
    }

    @Test func sharedNamesWarn() {
        let c = Fixtures.compile(policies: ["policies/a.json": Fixtures.policy(), "policies/b.json": Fixtures.policy(["priority": "3"])])
        #expect(c.policies.map { $0.diagnostics.map(\.code) } == [[.duplicatePolicyName], [.duplicatePolicyName]])
        #expect(!c.hasBlocker)
    }

    @Test func hostsAreCheckedAndMustBeUnique() {
        let dupID = Fixtures.pveHost.replacingAll("pve-1\", \"driver", with: "pve-2\", \"driver")
        let dupName = Fixtures.simHost.replacingAll(Fixtures.simID, with: "11111111-2222-4333-8444-555555555555").replacingAll("sim-1", with: "pve-1")
        let c = Fixtures.compile(policies: [:], hosts: [Fixtures.pveHost, dupID, dupName])
        #expect(Set(c.otherDiagnostics.map(\.code)) == [.duplicateHostID, .duplicateHostName])
        #expect(c.hosts.count == 1)
    }

    @Test func nonJSONAndLinkedFilesInThePolicyFolderAreReported() {
        let c = Fixtures.compile(policies: [:], extra: [
            RepositoryFile(path: "policies/readme.txt", bytes: []),
            RepositoryFile(path: "policies/link.json", kind: .symlink, bytes: []),
        ])
        #expect(c.otherDiagnostics.map(\.code).sorted { $0.rawValue < $1.rawValue } == [.notRegularFile, .ignoredFile])
        #expect(c.hasBlocker)
    }
}
