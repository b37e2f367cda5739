import Drivers
import Engine
import Foundation
import Hashing
import Policy
@testable import Replay
import Testing

/// Replays on twins: the real engine and scheduler, a manual clock, nothing real touched.
@Suite struct OutageReplayTests {
    static let rack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
    static let sw = "1e7a9c3f-4d8b-4a2e-9f6c-5b3d7e1a8c93"
    static let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    static let runner = "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f"

    static let hosts = [
        """
        {"id": "\(rack)", "name": "sim-rack-a", "driver": "sim", "connection": {"targets": [
          {"id": "vm:104", "name": "web-1", "state": "running"}, {"id": "vm:105", "name": "web-2", "state": "running"}]}}
        """,
        // Real hosts: an unresolvable name and a closed port, so a real request would fail.
        """
        {"id": "\(pve)", "name": "pve-1", "driver": "proxmox", "connection": {"url": "https://pve-1.invalid:8006", "node": "pve-1",
         "token_id": "policyops@pve!ci", "token_secret": {"env": "POLICYOPS_TEST_NEVER_SET"}}}
        """,
        """
        {"id": "\(sw)", "name": "sw-core-1", "driver": "aoss", "connection": {"url": "https://127.0.0.1:1", "username": "ops",
         "password": {"env": "POLICYOPS_TEST_NEVER_SET"}, "protected_ports": ["1/49-1/52"]}}
        """,
        """
        {"id": "\(hook)", "name": "hook-1", "driver": "webhook", "connection": {"url": "https://127.0.0.1:1/hooks"}}
        """,
        """
        {"id": "\(runner)", "name": "runner-1", "driver": "exec", "connection": {}}
        """,
    ]

    static func policy(_ name: String, trigger: String = #"{"type": "ups.state", "equals": "on_battery"}"#, host: String = rack,
                       type: String = "vm", selector: String = "104-105", action: String = #"{"capability_id": "sim.vm", "verb": "shutdown"}"#) -> String {
        """
        {"version": 1, "name": "\(name)", "trigger_group": {"triggers": [\(trigger)]},
         "targets": {"host_id": "\(host)", "target_type": "\(type)", "selector": {"mode": "list", "value": "\(selector)"}},
         "actions": [\(action)]}
        """
    }

    static func set(_ policies: [String: String]) -> PolicySet {
        var files = hosts.enumerated().map { RepositoryFile(path: "hosts/h\($0.offset).json", bytes: Array($0.element.utf8)) }
        files.append(RepositoryFile(path: "ups/ups-main.json", bytes: Array(#"{"id": "ups-main", "nut": {"host": "127.0.0.1", "ups": "ups"}}"#.utf8)))
        files += policies.map { RepositoryFile(path: "policies/\($0.key).json", bytes: Array($0.value.utf8)) }
        let c = RepositoryCompiler().compile(settings: .standard, files: files)
        precondition(!c.hasBlocker, "\(c.diagnostics.filter { $0.severity == .blocker })")
        let runtime = c.policies.compactMap { e -> RuntimePolicy? in
            guard let spec = e.spec, let hash = e.hash else { return nil }
            return RuntimePolicy(path: e.path, compiled: CompiledPolicy(policyID: e.policyID, spec: spec, hash: hash, versionInt: 1), ir: "sha256:" + hash.hex)
        }
        return PolicySet(commit: String(repeating: "c", count: 40), policies: runtime, hosts: c.hosts, ups: c.upsDeclarations, timeZone: "UTC")
    }

    static func trace(_ text: String) throws -> Trace { try Trace.read(Array(text.utf8)).get() }

    static let outage = """
    {"until": "2026-10-14T03:00:00Z", "events": [
      {"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}},
      {"ts": "2026-10-14T02:20:00Z", "type": "ups.state", "attrs": {"state": "on_mains"}}]}
    """

    static let policies = [
        "off": policy("web-off"),
        "on": policy("web-on", trigger: #"{"type": "timer.after", "after": "2m", "since_event": {"type": "ups.state", "equals": "on_mains"}}"#,
                      action: #"{"capability_id": "sim.vm", "verb": "start"}"#),
    ]

    @Test func eventsAndTheTimersTheyArmRunAtTheirMoments() async throws {
        let report = await OutageReplay(set: Self.set(Self.policies), trace: try Self.trace(Self.outage)).run()
        let executions = report.records.filter { $0.kind == .execution }
        #expect(executions.map(\.ts.iso8601) == ["2026-10-14T02:13:05.000Z", "2026-10-14T02:22:00.000Z"])
        #expect(executions.map { $0.results.map(\.verb) } == [["shutdown", "shutdown"], ["start", "start"]])
        let events = report.records.compactMap(\.event)
        #expect(events.map(\.type) == [.upsState, .upsState, .timerAfter])
        let rack = try #require(report.hosts.first { $0.host.id == Self.rack })
        #expect(rack.touched.map(\.states) == [["running", "stopped", "running"], ["running", "stopped", "running"]])
        #expect(report.until == Timestamp(iso8601: "2026-10-14T03:00:00Z"))
        #expect(report.severity == .info)
    }

    @Test func theSameInputsGiveTheSameRecords() async throws {
        let a = await OutageReplay(set: Self.set(Self.policies), trace: try Self.trace(Self.outage)).run()
        let b = await OutageReplay(set: Self.set(Self.policies), trace: try Self.trace(Self.outage)).run()
        #expect(a.records.count > 6)
        #expect(a.records.map(\.canonicalBytes) == b.records.map(\.canonicalBytes))
    }

    /// Twins of real hosts take the trace's inventory, keep their drivers' capabilities and
    /// rules (protected ports), and send or run nothing.
    @Test func twinsOfRealHostsTouchNothingReal() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("policyops-twin-\(UUID().uuidString)").path
        let set = Self.set([
            "pve": Self.policy("pve-off", host: Self.pve, selector: "200-201", action: #"{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {"grace_s": 60}}"#),
            "poe": Self.policy("poe-off", host: Self.sw, type: "poe-port", selector: "1/1,1/50",
                               action: #"{"capability_id": "aoss.poe.port", "verb": "set", "params": {"state": "off", "confirm": true}}"#),
            "hook": Self.policy("page", host: Self.hook, type: "endpoint", selector: "ops", action: #"{"capability_id": "webhook.request", "verb": "post", "params": {"path": "/x"}}"#),
            "exec": Self.policy("flush", host: Self.runner, type: "host", selector: "local",
                                action: #"{"capability_id": "exec.command", "verb": "run", "params": {"argv": ["/usr/bin/touch", "\#(marker)"]}}"#),
        ])
        let trace = try Self.trace("""
        {"hosts": {"pve-1": {"targets": [{"id": "vm:200", "name": "db-1", "state": "running"}, {"id": "vm:201", "name": "db-2", "state": "running"}]},
                   "\(Self.sw)": {"targets": [{"id": "poe-port:1/1", "state": "on"}, {"id": "poe-port:1/50", "name": "uplink", "state": "on"}]}},
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}]}
        """)
        let report = await OutageReplay(set: set, trace: trace).run()
        #expect(!FileManager.default.fileExists(atPath: marker), "the exec twin ran the command")
        #expect(report.disabledAtApply.isEmpty, "\(report.disabledAtApply.map(\.message))")
        func touched(_ host: String) -> [String: [String]] {
            Dictionary(uniqueKeysWithValues: (report.hosts.first { $0.host.id == host }?.touched ?? []).map { ($0.id, $0.states) })
        }
        #expect(touched(Self.pve) == ["vm:200": ["running", "stopped"], "vm:201": ["running", "stopped"]])
        #expect(touched(Self.sw) == ["poe-port:1/1": ["on", "off"]])
        #expect(touched(Self.hook) == ["endpoint:ops": ["sent"]])
        #expect(touched(Self.runner) == ["host:local": ["ran"]])
        // The protected uplink is skipped by the decision, with the twin's note, as the aoss driver would.
        let poe = try #require(report.records.first { $0.kind == .decision && $0.message.contains("poe-off") })
        #expect(poe.results.first { $0.targetID == "poe-port:1/50" }?.detail?.contains("protected") == true)
        #expect(report.severity == .warn)
        #expect(report.unknownHosts.isEmpty)
    }

    @Test func aRealHostNobodyDescribedIsNamed() async throws {
        let set = Self.set(["pve": Self.policy("pve-off", host: Self.pve, selector: "200", action: #"{"capability_id": "proxmox.vm", "verb": "shutdown"}"#)])
        let report = await OutageReplay(set: set, trace: try Self.trace(Self.outage)).run()
        #expect(report.unknownHosts == ["pve-1"])
        #expect(report.records.filter { $0.kind == .execution }.isEmpty)
    }

    /// A host the trace says was unreachable fails its dry-run when the commit is applied:
    /// the policy stays disabled, as the reconciler would have kept it.
    @Test func faultsFromTheTraceDisablePoliciesAtApply() async throws {
        let trace = try Self.trace("""
        {"hosts": {"sim-rack-a": {"targets": [{"id": "vm:104", "state": "running"}], "faults": {"unreachable": true}}},
         "events": [{"ts": "2026-10-14T02:13:05Z", "type": "ups.state", "attrs": {"state": "on_battery"}}]}
        """)
        let report = await OutageReplay(set: Self.set(["off": Self.policy("web-off")]), trace: trace).run()
        #expect(report.disabledAtApply.count == 1)
        #expect(report.records.filter { $0.kind == .execution }.isEmpty)
        #expect(report.severity == .error)
    }

    /// The starting state given by a state directory is used under the trace's own.
    @Test func knownStatesStandUnderTheTrace() async throws {
        var known = SimulatedHostState(declaration: Self.set([:]).hosts[Self.rack]!)
        known.targets = [InventoryTarget(id: "vm:104", type: .vm, nativeID: "104", name: "web-1", state: "stopped"),
                         InventoryTarget(id: "vm:105", type: .vm, nativeID: "105", name: "web-2", state: "running")]
        let report = await OutageReplay(set: Self.set(["off": Self.policy("web-off")]), trace: try Self.trace(Self.outage), known: [Self.rack: known]).run()
        let rack = try #require(report.hosts.first { $0.host.id == Self.rack })
        #expect(rack.touched.map(\.id) == ["vm:105"])
    }
}
