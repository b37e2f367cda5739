import Foundation
import Synchronization
import Testing
import TestSupport
import Engine
@testable import NUT
import Policy
import Secrets

/// Events gathered from a monitor.
final class Collected: Sendable {
    let events = Mutex<[Event]>([])
    let reports = Mutex<[UPSMonitor.Report]>([])
    var states: [String] { events.withLock { $0.filter { $0.type == .upsState }.map(\.kind) } }
    var last: Event? { events.withLock { $0.last } }
}

@Suite(.serialized, .enabled(if: NUTRig.isInstalled, "nut-server is not installed")) struct UPSMonitorTests {
    static func declaration(port: Int, poll: Int64 = 1) -> UPSDeclaration {
        UPSDeclaration(path: "ups/ups-main.json", id: "ups-main", nutHost: "127.0.0.1", nutPort: port, nutName: "ups",
                       username: nil, password: nil, poll: PolicyDuration(seconds: poll), labels: [:])
    }

    static func monitor(_ collected: Collected, deadTime: Double = 3) -> UPSMonitor {
        UPSMonitor(secrets: Secrets(environment: [:]), clock: SystemClock(), deadTimeSeconds: deadTime,
                   emit: { e in collected.events.withLock { $0.append(e) } },
                   report: { r in collected.reports.withLock { $0.append(r) } })
    }

    /// A real upsd with dummy-ups: the UPS's changes arrive as events — state changes as
    /// `ups.state` with the readings, readings alone as `metric` — and a driver killed while
    /// on battery becomes `comm_lost` after the dead time; back, the state is reported again.
    @Test func statesReadingsAndADriverLostOnBattery() throws {
        let rig = try NUTRig()
        let collected = Collected()
        let monitor = Self.monitor(collected)
        defer { monitor.stop() }
        monitor.watch([Self.declaration(port: rig.port)])
        #expect(eventually(timeout: 10) { collected.states == ["on_mains"] })
        let first = try #require(collected.last)
        #expect(first.subject == Subject(kind: "ups", id: "ups-main") && first.attrs["status"] == "OL" && first.attrs["charge_pct"] == "100")
        #expect(first.readings[.runtimeSeconds] == 1800 && first.attrs["source"] == "nut")
        #expect(first.isBaseline, "the first reading is a baseline, not a change")
        try rig.set(status: "OB DISCHRG", charge: 90, runtime: 1500, load: 30)
        #expect(eventually(timeout: 10) { collected.states == ["on_mains", "on_battery"] })
        #expect(collected.last?.isBaseline == false)
        try rig.set(status: "OB DISCHRG", charge: 70, runtime: 1100, load: 30)
        #expect(eventually(timeout: 10) { collected.last?.type == .metric && collected.last?.readings[.chargePercent] == 70 })
        try rig.set(status: "OB LB DISCHRG", charge: 9, runtime: 120, load: 30)
        #expect(eventually(timeout: 10) { collected.states.last == "low_battery" })
        rig.killDriver()
        #expect(eventually(timeout: 15) { collected.states.last == "comm_lost" })
        let lost = try #require(collected.events.withLock { $0.last { $0.kind == "comm_lost" } })
        #expect(lost.attrs["reason"]?.contains("DRIVER-NOT-CONNECTED") == true)
        try rig.set(status: "OL CHRG", charge: 10, runtime: 150, load: 25)
        try rig.startDriver()
        #expect(eventually(timeout: 15) { collected.states.last == "on_mains" })
        #expect(collected.events.withLock { $0.filter(\.isBaseline).count } == 1, "data back after comm_lost is a change, not a baseline")
        #expect(collected.reports.withLock { $0.contains { !$0.isProblem && $0.message.contains("answers again") } })
    }

    /// upsd stopped and started again: the monitor reconnects (with backoff) and goes on; a
    /// frozen driver gives stale data, which is no data, not a state.
    @Test func reconnectsAfterUpsdRestartsAndStaleDataIsNoData() throws {
        let rig = try NUTRig()
        let collected = Collected()
        let monitor = Self.monitor(collected, deadTime: 60)
        defer { monitor.stop() }
        monitor.watch([Self.declaration(port: rig.port)])
        #expect(eventually(timeout: 10) { collected.states == ["on_mains"] })
        rig.stopServer()
        #expect(eventually(timeout: 10) { collected.reports.withLock { $0.contains { $0.isProblem } } },
                "\(collected.reports.withLock { $0.map(\.message) }) server running: \(rig.serverIsRunning) \(rig.serverSignals)")
        try rig.set(status: "OB", charge: 95, runtime: 1700, load: 25)
        try rig.startServer()
        #expect(eventually(timeout: 20) { collected.states == ["on_mains", "on_battery"] })
        rig.freezeDriver(true)
        #expect(eventually(timeout: 20) { collected.reports.withLock { $0.contains { $0.message.contains("DATA-STALE") } } })
        #expect(collected.states == ["on_mains", "on_battery"])
        rig.freezeDriver(false)
    }

    /// upsd usually runs on loopback, so a UPS server there is allowed without an operator's
    /// configuration; a link-local or metadata address is refused before anything is
    /// connected, and the refusal is the UPS's problem, as a lost connection is.
    @Test func aLinkLocalUpsdIsRefusedAndLoopbackIsNot() throws {
        let rig = try NUTRig()
        let collected = Collected()
        let monitor = Self.monitor(collected)
        defer { monitor.stop() }
        func at(_ id: String, _ host: String) -> UPSDeclaration {
            UPSDeclaration(path: "ups/\(id).json", id: id, nutHost: host, nutPort: rig.port, nutName: "ups",
                           username: nil, password: nil, poll: PolicyDuration(seconds: 1), labels: [:])
        }
        monitor.watch([at("ups-main", "127.0.0.1"), at("ups-fe80", "fe80::1"), at("ups-ll", "169.254.7.7"), at("ups-meta", "169.254.169.254")])
        #expect(eventually(timeout: 10) { collected.states == ["on_mains"] })
        func problem(_ id: String) -> String? { collected.reports.withLock { $0.first { $0.ups == id && $0.isProblem }?.message } }
        #expect(eventually(timeout: 10) { problem("ups-fe80") != nil && problem("ups-ll") != nil && problem("ups-meta") != nil })
        #expect(problem("ups-fe80")?.contains("fe80::1 is link-local, refused unless the operator's configuration") == true, "\(problem("ups-fe80") ?? "")")
        #expect(problem("ups-ll")?.contains("169.254.7.7 is link-local") == true, "\(problem("ups-ll") ?? "")")
        #expect(problem("ups-meta")?.contains("169.254.169.254 is a cloud metadata service") == true, "\(problem("ups-meta") ?? "")")
        #expect(collected.events.withLock { $0.allSatisfy { $0.subject.id == "ups-main" } })
    }

    /// upsd's protocol is lines: a granted password with a line break would send a command
    /// of its own (`FSD ups`, a forced shutdown). It is refused before anything is sent, and
    /// an ungranted one is never read.
    @Test func aPasswordWithALineBreakIsNeverSentToUpsd() throws {
        let rig = try NUTRig()
        let collected = Collected()
        var configuration = OperatorConfiguration.strictest
        configuration.secrets["ups-pass"] = .init(source: .env("UPS_PASS"), hosts: [], ups: ["ups-main"], fields: ["password"])
        let monitor = UPSMonitor(secrets: Secrets(environment: ["UPS_PASS": "x\nFSD ups"], configuration: configuration), clock: SystemClock(),
                                 deadTimeSeconds: 3, emit: { e in collected.events.withLock { $0.append(e) } },
                                 report: { r in collected.reports.withLock { $0.append(r) } })
        defer { monitor.stop() }
        func at(_ id: String, password: String) -> UPSDeclaration {
            UPSDeclaration(path: "ups/\(id).json", id: id, nutHost: "127.0.0.1", nutPort: rig.port, nutName: "ups",
                           username: .literal("monuser"), password: .named(password), poll: PolicyDuration(seconds: 1), labels: [:])
        }
        monitor.watch([at("ups-main", password: "ups-pass"), at("ups-other", password: "ups-pass")])
        func problem(_ id: String) -> String? { collected.reports.withLock { $0.first { $0.ups == id && $0.isProblem }?.message } }
        #expect(eventually(timeout: 10) { problem("ups-main") != nil && problem("ups-other") != nil })
        #expect(problem("ups-main")?.contains("holds a line break") == true, "\(problem("ups-main") ?? "")")
        #expect(problem("ups-other")?.contains(#"the secret "ups-pass" is not granted to this host or UPS for "password""#) == true, "\(problem("ups-other") ?? "")")
        #expect(collected.events.withLock { $0.isEmpty }, "nothing was read from upsd either")
    }

    @Test func statusTokens() {
        func state(_ s: String) -> UPSState? { UPSStatusReading(variables: ["ups.status": s]).state }
        #expect(state("OL") == .onMains && state("OL CHRG") == .onMains && state("OL BYPASS") == .onMains)
        #expect(state("OB DISCHRG") == .onBattery && state("OB LB") == .lowBattery && state("OL FSD") == .lowBattery)
        #expect(state("LB") == nil && state("WAIT") == nil && state("") == nil && state("OFF") == nil && state("XYZ") == nil)
        #expect(state("OL NEWTOKEN") == .onMains)
        #expect(NUTClient.unquote("\"say \\\"hi\\\" \\\\ there\"") == "say \"hi\" \\ there")
    }
}
