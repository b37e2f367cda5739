import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Policy
import Secrets

/// The aoss driver against `Tests/Simulators/aoss_sim.py` (ArubaOS-Switch's REST API:
/// login sessions, PoE per port), over HTTPS with a CA file.
@Suite struct AOSSDriverTests {
    let dir = TemporaryDirectory()

    func start() throws -> (Simulator, TestCertificate) {
        let cert = try TestCertificate(in: dir)
        let state: [String: Any] = [
            "username": "policyops", "password": "sw-pass-4471", "session_seconds": 600,
            "ports": [
                ["port_id": "1/1", "is_poe_enabled": true, "name": "ap-1", "power_watts": 6.5],
                ["port_id": "1/2", "is_poe_enabled": true, "name": "ap-2", "power_watts": 7],
                ["port_id": "1/3", "is_poe_enabled": false, "name": "cam-1"],
                ["port_id": "1/24", "is_poe_enabled": true, "name": "uplink"],
            ],
        ]
        let file = dir.join("sw.json")
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: file))
        return (try Simulator("aoss_sim.py", ["--state", file], tls: cert), cert)
    }

    static func host(_ url: String, ca: String) -> HostDeclaration {
        HostDeclaration(path: "hosts/sw.json", id: "1e7a9c3f-4d8b-4a2e-9f6c-5b3d7e1a8c93", name: "sw-core-1", driver: .aoss,
                        connection: .aoss(url: .literal(url), apiVersion: "v7", username: .literal("policyops"), password: .named("sw-password"),
                                          protectedPorts: ["1/23-1/24"], tls: TLSSettings(caFile: .literal(ca), fingerprintSHA256: nil, insecure: false)),
                        labels: [:])
    }

    static func driver(_ password: String = "sw-pass-4471") -> AOSSDriver {
        var timing = AOSSDriver.Timing()
        timing.cycleOffSeconds = 0.2
        return AOSSDriver(secrets: Grants.secrets([.init(name: "sw-password", value: password, host: "1e7a9c3f-4d8b-4a2e-9f6c-5b3d7e1a8c93", field: "password")]), clock: ManualClock(), timing: timing)
    }

    static func set(_ state: String) -> PlannedAction {
        PlannedAction(policyID: "p", capability: "aoss.poe.port", verb: "set", params: .object(["state": .string(state), "confirm": .bool(true)]), keyHint: nil)
    }

    @Test func readsSetsAndCyclesPoEAndNeverTouchesAProtectedPort() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, ca: cert.certificate)
        let driver = Self.driver()
        let inventory = await driver.refresh(host, full: true)
        #expect(inventory.reachable && inventory.targets.map(\.id) == ["poe-port:1/1", "poe-port:1/2", "poe-port:1/3", "poe-port:1/24"])
        #expect(inventory.targets.map(\.state) == ["on", "on", "off", "on"] && inventory.target("poe-port:1/1")?.name == "ap-1")
        let targets = ["poe-port:1/1", "poe-port:1/3", "poe-port:1/24"].compactMap { inventory.target($0) }
        let dry = await driver.dryRun(host, action: Self.set("off"), targets: targets, inventory: inventory)
        #expect(dry.ok && dry.severity == .warn)
        #expect(dry.perTarget.map(\.to) == ["off", "off", "on"] && dry.perTarget[2].note == "protected on sw-core-1: never switched")
        #expect(dry.preview == [#"PUT /ports/1%2F1/poe {"is_poe_enabled": false}"#])
        #expect(try sim.requests().allSatisfy { $0["method"] as? String != "PUT" })
        let done = await driver.execute(host, action: Self.set("off"), targets: targets)
        #expect(done.map(\.outcome) == ["succeeded", "succeeded", "refused"], "\(done)")
        let puts = try sim.requests().filter { $0["method"] as? String == "PUT" }.compactMap { $0["path"] as? String }
        #expect(puts == ["/rest/v7/ports/1%2F1/poe", "/rest/v7/ports/1%2F3/poe"])
        // One login served every request.
        #expect(try sim.requests().filter { ($0["path"] as? String)?.hasSuffix("/login-sessions") == true }.count == 1)
        let cycled = await driver.execute(host, action: Self.set("cycle"), targets: [inventory.target("poe-port:1/2")!])
        #expect(cycled.first?.detail == "cycled, now on")
        let writes = try sim.requests().filter { $0["method"] as? String == "PUT" && ($0["path"] as? String)?.contains("1%2F2") == true }
        #expect(writes.compactMap { ($0["body"] as? [String: Any])?["is_poe_enabled"] as? Bool } == [false, true])
        let after = await driver.refresh(host, full: false)
        #expect(after.targets.map(\.state) == ["off", "on", "off", "on"])
    }

    @Test func anExpiredSessionIsOpenedAgainAndRefusalsAreClear() async throws {
        let (sim, cert) = try start()
        let host = Self.host(sim.url, ca: cert.certificate)
        let driver = Self.driver()
        _ = await driver.refresh(host, full: false)
        try sim.control("POST", "/_sim/expire-sessions")
        let again = await driver.refresh(host, full: false)
        #expect(again.reachable && again.targets.count == 4)
        #expect(try sim.requests().filter { ($0["path"] as? String)?.hasSuffix("/login-sessions") == true }.count == 2)
        // A port whose PUT fails: the switch's message.
        try sim.control("POST", "/_sim/state", ["ports": ["1/1": ["fail_put": "PoE port configuration failed"]]])
        let failed = await driver.execute(host, action: Self.set("off"), targets: [again.target("poe-port:1/1")!])
        #expect(failed.first?.outcome == "failed" && failed.first?.detail?.contains("PoE port configuration failed") == true, "\(failed)")
        // A wrong password: refused, and the password is not in the message.
        let denied = await Self.driver("wrong-one").refresh(host, full: false)
        #expect(denied.problemCode == .authDenied && denied.problem?.contains("Authentication failed") == true, "\(denied.problem ?? "")")
        #expect(denied.problem?.contains("wrong-one") == false)
    }
}
