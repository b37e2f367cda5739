import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import HTTP
import Policy
import Secrets

/// Drivers connect only where the operator's `network` section allows (SPEC section 18),
/// checked on the addresses a host name resolves to, at the socket: a listener on every
/// loopback address (`--bind ::`, IPv4 and IPv6) stands in for the attacker's server, and
/// receives nothing from a webhook, Proxmox or AOS-S host whose URL is one of the forms
/// below, even under an allow-list of every ordinary address.
@Suite struct DestinationRefusalTests {
    /// A URL an attacker writes into a host declaration (`PORT` is the listener's), and what
    /// the refusal calls its address.
    struct Hostile: Sendable, CustomTestStringConvertible {
        var url: String
        var kind: String
        func url(_ port: Int) -> String { url.replacingOccurrences(of: "PORT", with: String(port)) }
        var testDescription: String { url }
    }

    static let hostile = [
        Hostile(url: "http://169.254.169.254:PORT", kind: "is a cloud metadata service"),
        Hostile(url: "http://metadata.google.internal:PORT", kind: "is a cloud metadata service"),
        Hostile(url: "http://[::1]:PORT", kind: "is loopback"),
        Hostile(url: "http://2130706433:PORT", kind: "is loopback"),
        Hostile(url: "http://0x7f000001:PORT", kind: "is loopback"),
        Hostile(url: "http://[::ffff:127.0.0.1]:PORT", kind: "is loopback"),
        Hostile(url: "http://localhost:PORT", kind: "is loopback"),
        Hostile(url: "http://0.0.0.0:PORT", kind: "is unspecified"),
    ]

    /// Every address of the machine: what the attacker's server would answer on.
    static func listener() throws -> Simulator { try Simulator("webhook_receiver.py", ["--bind", "::"]) }

    static let noInventory = HostInventory(hostID: WebhookDriverTests.host(url: "", pin: nil).id, targets: [], refreshedAt: nil)

    @Test(arguments: hostile)
    func aWebhookToAHostileAddressSendsNothing(_ h: Hostile) async throws {
        let listener = try Self.listener()
        let driver = WebhookDriver(secrets: Grants.secrets([], network: Grants.everywhere), clock: ManualClock())
        let host = WebhookDriverTests.host(url: h.url(listener.port), pin: nil, hmac: nil)
        let dry = await driver.dryRun(host, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint], inventory: Self.noInventory)
        #expect(!dry.ok && dry.code == .destinationRefused && dry.reason?.contains(h.kind) == true, "\(dry.reason ?? "ok: \(dry.summary)")")
        let done = await driver.execute(host, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint])
        #expect(done.first?.outcome == "failed" && done.first?.detail?.contains(h.kind) == true, "\(done)")
        #expect(done.first?.detail?.contains("refused unless the operator's configuration") == true, "\(done)")
        #expect(try listener.requests().isEmpty)
    }

    @Test(arguments: hostile)
    func aProxmoxHostAtAHostileAddressIsNeverContacted(_ h: Hostile) async throws {
        let listener = try Self.listener()
        let token = "0c9a7f1e-5d2b-4a8c-9e3f-1b2c3d4e5f60"
        let host = ProxmoxDriverTests.host(h.url(listener.port), pin: Array(repeating: 0xAB, count: 32))
        let driver = ProxmoxDriver(secrets: Grants.secrets([.init(name: "pve-token", value: token, host: host.id, field: "token_secret")], network: Grants.everywhere),
                                   clock: ManualClock())
        let inventory = await driver.refresh(host, full: false)
        #expect(!inventory.reachable && inventory.problemCode == .destinationRefused && inventory.problem?.contains(h.kind) == true, "\(inventory.problem ?? "reachable")")
        let guest = InventoryTarget(id: "vm:104", type: .vm, nativeID: "104", name: "web-1", state: "running")
        let dry = await driver.dryRun(host, action: ProxmoxDriverTests.action("shutdown"), targets: [guest], inventory: inventory)
        #expect(!dry.ok && dry.code == .destinationRefused, "\(dry.reason ?? "ok")")
        let done = await driver.execute(host, action: ProxmoxDriverTests.action("shutdown"), targets: [guest])
        #expect(done.first?.outcome == "failed" && done.first?.detail?.contains(h.kind) == true, "\(done)")
        #expect(try listener.requests().isEmpty, "the token went to \(h.url)")
    }

    @Test(arguments: hostile)
    func aSwitchAtAHostileAddressIsNeverContacted(_ h: Hostile) async throws {
        let listener = try Self.listener()
        var host = AOSSDriverTests.host(h.url(listener.port), ca: "/nonexistent.pem")
        host.connection = .aoss(url: .literal(h.url(listener.port)), apiVersion: "v7", username: .literal("policyops"), password: .named("sw-password"),
                                protectedPorts: [], tls: .standard)
        let driver = AOSSDriver(secrets: Grants.secrets([.init(name: "sw-password", value: "sw-pass-4471", host: host.id, field: "password")], network: Grants.everywhere),
                                clock: ManualClock())
        let inventory = await driver.refresh(host, full: false)
        #expect(!inventory.reachable && inventory.problemCode == .destinationRefused && inventory.problem?.contains(h.kind) == true, "\(inventory.problem ?? "reachable")")
        let port = InventoryTarget(id: "poe-port:1/1", type: .poePort, nativeID: "1/1", name: "ap-1", state: "on")
        let done = await driver.execute(host, action: AOSSDriverTests.set("off"), targets: [port])
        #expect(done.first?.outcome == "failed" && done.first?.detail?.contains(h.kind) == true, "\(done)")
        #expect(try listener.requests().isEmpty, "the password went to \(h.url)")
    }

    /// The same forms reach the listener once the operator allows loopback; 0.0.0.0 and the
    /// metadata service stay closed.
    @Test func withLoopbackAllowedTheLoopbackFormsArrive() async throws {
        let listener = try Self.listener()
        var network = Grants.everywhere
        network.allowLoopback = true
        let driver = WebhookDriver(secrets: Grants.secrets([], network: network), clock: ManualClock())
        for h in Self.hostile where h.kind == "is loopback" {
            let host = WebhookDriverTests.host(url: h.url(listener.port), pin: nil, hmac: nil)
            let dry = await driver.dryRun(host, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint], inventory: Self.noInventory)
            #expect(dry.ok, "\(h.url): \(dry.reason ?? "")")
            let done = await driver.execute(host, action: WebhookDriverTests.action(), targets: [WebhookDriverTests.endpoint])
            #expect(done.first?.outcome == "succeeded", "\(h.url): \(done)")
        }
        #expect(try listener.requests().count == Self.hostile.filter { $0.kind == "is loopback" }.count)
        for h in Self.hostile where h.kind != "is loopback" {
            let done = await driver.execute(WebhookDriverTests.host(url: h.url(listener.port), pin: nil, hmac: nil), action: WebhookDriverTests.action(),
                                            targets: [WebhookDriverTests.endpoint])
            #expect(done.first?.detail?.contains(h.kind) == true, "\(h.url): \(done)")
        }
        #expect(try listener.requests().count == Self.hostile.filter { $0.kind == "is loopback" }.count)
    }

    /// A connection is checked when it is opened, and kept for later requests: one opened
    /// under a list that allows loopback never serves a client whose list does not.
    @Test func aKeptConnectionServesOnlyTheAllowListItWasOpenedUnder() async throws {
        let receiver = try Simulator("webhook_receiver.py", ["--idle-timeout", "0"])
        let request = HTTPRequest(method: "POST", url: receiver.url + "/kept", body: Array("{}".utf8), timeoutSeconds: 5)
        let wide = HTTPClient(verification: .system, destinations: Grants.loopback.destinationCheck)
        #expect(try await wide.send(request).status == 200)
        #expect(try await wide.send(request).status == 200)
        let narrow = HTTPClient(verification: .system, destinations: Grants.everywhere.destinationCheck)
        await #expect { try await narrow.send(request) } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.kind == .refused && e.message.contains("127.0.0.1 is loopback")
        }
        // (Whether the wide client's two requests shared one connection is the pool's
        // business and the load's; what matters is that the narrow one got none.)
        #expect(try receiver.requests().count == 2)
    }

    /// A receiver that answers with a redirect to an address the operator did not allow: the
    /// redirect is not followed (nothing reaches that address) and the outcome is the status line.
    @Test func aRedirectToARefusedAddressIsNotFollowed() async throws {
        let tripwire = try Self.listener()
        let receiver = try Simulator("webhook_receiver.py", [])
        try receiver.control("POST", "/_sim/config", ["status": 302, "location": "http://127.0.0.2:\(tripwire.port)/stolen"])
        let only = NetworkAllowList(ranges: [NetworkRange.parse("127.0.0.1/32")!], names: [], allowLoopback: false)
        let driver = WebhookDriver(secrets: Grants.secrets([], network: only), clock: ManualClock())
        let done = await driver.execute(WebhookDriverTests.host(url: receiver.url, pin: nil, hmac: nil), action: WebhookDriverTests.action(),
                                        targets: [WebhookDriverTests.endpoint])
        #expect(done.first?.outcome == "failed" && done.first?.detail == "HTTP 302 Found", "\(done)")
        #expect(try receiver.requests().count == 1)
        // The address the redirect names is refused when asked for directly.
        let direct = await driver.execute(WebhookDriverTests.host(url: "http://127.0.0.2:\(tripwire.port)", pin: nil, hmac: nil), action: WebhookDriverTests.action(),
                                          targets: [WebhookDriverTests.endpoint])
        #expect(direct.first?.detail?.contains("127.0.0.2 is loopback") == true, "\(direct)")
        #expect(try tripwire.requests().isEmpty)
    }
}
