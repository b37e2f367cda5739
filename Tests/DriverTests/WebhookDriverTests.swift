import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Hashing
@testable import HTTP
import Policy
import Secrets

/// The HTTP client's TLS verification and the webhook driver, against a real HTTPS server
/// (`Tests/Simulators/webhook_receiver.py`) with a self-signed certificate.
@Suite struct WebhookDriverTests {
    let dir = TemporaryDirectory()

    @Test func verificationIsOnByDefaultAndPinningWorks() async throws {
        let cert = try TestCertificate(in: dir)
        let receiver = try Simulator("webhook_receiver.py", ["--status", "503"], tls: cert)
        let request = HTTPRequest(method: "POST", url: receiver.url + "/x", body: Array("{}".utf8), timeoutSeconds: 5)
        // The system's authorities do not know a self-signed certificate.
        await #expect { try await HTTPClient(destinations: .unchecked).send(request) } throws: { ($0 as? HTTPError)?.kind == .tls }
        let pinned = try await HTTPClient(verification: .pinned(sha256: cert.sha256), destinations: .unchecked).send(request)
        #expect(pinned.status == 503)
        let other = try TestCertificate(in: dir, name: "other")
        await #expect { try await HTTPClient(verification: .pinned(sha256: other.sha256), destinations: .unchecked).send(request) } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.kind == .pinMismatch && e.message.contains(cert.fingerprint)
        }
        let byAuthority = try await HTTPClient(verification: .authorities(file: cert.certificate), destinations: .unchecked).send(request)
        #expect(byAuthority.status == 503)
        let insecure = try await HTTPClient(verification: .insecure, destinations: .unchecked).send(request)
        #expect(insecure.status == 503)
        // Nothing was sent to the server before its certificate checked out.
        #expect(try receiver.requests().count == 3)
        await #expect { try await HTTPClient(destinations: .unchecked).send(HTTPRequest(method: "GET", url: "http://127.0.0.1:9/", timeoutSeconds: 2)) } throws: {
            ($0 as? HTTPError)?.kind == .unreachable
        }
    }

    /// Requests to one origin verified one way ride one open connection; another way of
    /// verifying, or another pin, gets a connection of its own, checked when it is made.
    ///
    /// The three pinned requests go back to back on one thread, through the pool `send` uses:
    /// in a full parallel run this process's cooperative threads can be held for minutes by
    /// tests that block them (166 s between two awaited sends was seen), and a connection
    /// idle that long is rightly replaced — by the server's idle limit, or by libcurl's own
    /// (CURLOPT_MAXAGE_CONN, 118 s). The receiver never closes an idle connection
    /// (`--idle-timeout 0`), so what is seen is the client's choice alone.
    @Test func connectionsAreKeptOpenPerOriginAndVerification() async throws {
        let cert = try TestCertificate(in: dir)
        let receiver = try Simulator("webhook_receiver.py", ["--idle-timeout", "0"], tls: cert)
        let request = HTTPRequest(method: "POST", url: receiver.url + "/keep", body: Array("{}".utf8), timeoutSeconds: 5)
        let verification = TLSVerification.pinned(sha256: cert.sha256)
        let pool = ConnectionPools.shared.pool(origin: HTTPClient.origin(of: request.url), verification: verification, destinations: DestinationCheck.unchecked.key)
        let statuses = await runBlocking {
            (0..<3).map { _ in (try? HTTPClient.perform(request, verification: verification, destinations: .unchecked, pool: pool).get())?.status ?? 0 }
        }
        #expect(statuses == [200, 200, 200])
        #expect(try await HTTPClient(verification: .authorities(file: cert.certificate), destinations: .unchecked).send(request).status == 200)
        let other = try TestCertificate(in: dir, name: "other")
        await #expect { try await HTTPClient(verification: .pinned(sha256: other.sha256), destinations: .unchecked).send(request) } throws: {
            ($0 as? HTTPError)?.kind == .pinMismatch
        }
        let log = try receiver.requests()
        let ports = log.compactMap { $0["client_port"] as? Int }
        let times = log.compactMap { $0["time"] as? Double }
        let gaps = zip(times.dropFirst(), times).map { String(format: "%.1f s", $0 - $1) }
        #expect(ports.count == 4)
        #expect(Set(ports.prefix(3)).count == 1, "three pinned requests, one connection: \(ports), gaps \(gaps)")
        #expect(ports[3] != ports[0], "a request verified by a CA file does not ride the pinned connection")
    }

    /// A connection the server closed while it sat idle is not used again: the next request
    /// gets a new one and its answer. (This is what replaced the kept connection of the test
    /// above when a loaded machine kept its task waiting past the receiver's idle limit.)
    @Test func aConnectionTheServerClosedIsReplaced() async throws {
        let cert = try TestCertificate(in: dir)
        let receiver = try Simulator("webhook_receiver.py", ["--idle-timeout", "2"], tls: cert)
        let request = HTTPRequest(method: "POST", url: receiver.url + "/idle", body: Array("{}".utf8), timeoutSeconds: 5)
        let pinned = HTTPClient(verification: .pinned(sha256: cert.sha256), destinations: .unchecked)
        #expect(try await pinned.send(request).status == 200)
        try await Task.sleep(nanoseconds: 4_000_000_000)
        #expect(try await pinned.send(request).status == 200)
        #expect(try await pinned.send(request).status == 200)
        let ports = try receiver.requests().compactMap { $0["client_port"] as? Int }
        #expect(ports.count == 3 && ports[1] != ports[0], "the closed connection is replaced: \(ports)")
    }

    static func host(url: String, pin: [UInt8]?, hmac: SecretReference? = .named("hook-hmac"), headers: [String: ConnectionValue] = [:]) -> HostDeclaration {
        HostDeclaration(path: "hosts/hook.json", id: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", name: "hook-1", driver: .webhook,
                        connection: .webhook(url: .literal(url), hmacSecret: hmac, headers: headers,
                                             tls: TLSSettings(caFile: nil, fingerprintSHA256: pin, insecure: false)), labels: [:])
    }

    static func action(path: String = "/power", body: JSON = .object(["text": .string("on battery \"now\""), "level": .integer(2)])) -> PlannedAction {
        PlannedAction(policyID: "policy-1", capability: "webhook.request", verb: "post", params: .object(["path": .string(path), "body": body]), keyHint: nil)
    }

    static let endpoint = InventoryTarget(id: "endpoint:chat-ops", type: .endpoint, nativeID: "chat-ops", name: "chat-ops", state: "ready")

    @Test func postsASignedBodyAndReportsFailures() async throws {
        let cert = try TestCertificate(in: dir)
        let receiver = try Simulator("webhook_receiver.py", [], tls: cert)
        let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        let secrets = Grants.secrets([.init(name: "hook-hmac", value: "k3y-material-9931", host: hook, field: "hmac_secret"),
                                      .init(name: "hook-auth", value: "Bearer abc-123-token", host: hook, field: "headers.Authorization")])
        let driver = WebhookDriver(secrets: secrets, clock: ManualClock())
        let host = Self.host(url: receiver.url + "/hooks", pin: cert.sha256, headers: ["Authorization": .reference(.named("hook-auth")), "X-Team": .literal("power")])
        let dry = await driver.dryRun(host, action: Self.action(), targets: [Self.endpoint], inventory: HostInventory(hostID: host.id, targets: [], refreshedAt: nil))
        #expect(dry.ok && dry.preview == ["POST \(receiver.url)/hooks/power (39 bytes of JSON, signed) for endpoint:chat-ops"])
        #expect(try receiver.requests().isEmpty)
        let outcome = await driver.execute(host, action: Self.action(), targets: [Self.endpoint])
        #expect(outcome.map(\.outcome) == ["succeeded"] && outcome.first?.detail == "HTTP 200")
        let got = try #require(try receiver.requests().first)
        #expect(got["method"] as? String == "POST" && got["path"] as? String == "/hooks/power")
        let body = try #require(Data(base64Encoded: got["body_base64"] as? String ?? ""))
        #expect(String(decoding: body, as: UTF8.self) == #"{"level":2,"text":"on battery \"now\""}"#)
        let headers = try #require(got["header_map"] as? [String: String])
        let expected = "sha256=" + Hex.encode(HMACSHA256.authenticationCode(key: Array("k3y-material-9931".utf8), message: Array(body)))
        #expect(headers["x-policyops-signature"] == expected)
        #expect(headers["authorization"] == "Bearer abc-123-token" && headers["x-team"] == "power" && headers["content-type"] == "application/json")
        #expect(headers["x-policyops-target"] == "endpoint:chat-ops")
        // A refusal is a failed target with the status and the answer.
        try receiver.control("POST", "/_sim/config", ["status": 503])
        let refused = await driver.execute(host, action: Self.action(), targets: [Self.endpoint])
        #expect(refused.first?.outcome == "failed" && refused.first?.severity == .error)
        #expect(refused.first?.detail?.hasPrefix("HTTP 503 ") == true)
        // The wrong pin: nothing sent, and the record says why.
        let other = try TestCertificate(in: dir, name: "other")
        let before = try receiver.requests().count
        let pinned = await driver.execute(Self.host(url: receiver.url, pin: other.sha256), action: Self.action(), targets: [Self.endpoint])
        #expect(pinned.first?.detail?.contains("not the pinned fingerprint") == true)
        #expect(try receiver.requests().count == before)
    }

    /// A granted secret whose value holds a line break never goes into a header: it would
    /// split into a second header (or a second request) of the attacker's choosing.
    @Test func aSecretWithALineBreakNeverGoesIntoAHeader() async throws {
        let receiver = try Simulator("webhook_receiver.py", [])
        let hook = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        let secrets = Grants.secrets([.init(name: "hook-auth", value: "Bearer ok\r\nX-Injected: yes", host: hook, field: "headers.Authorization")])
        let driver = WebhookDriver(secrets: secrets, clock: ManualClock())
        let host = Self.host(url: receiver.url, pin: nil, hmac: nil, headers: ["Authorization": .reference(.named("hook-auth"))])
        let dry = await driver.dryRun(host, action: Self.action(), targets: [Self.endpoint], inventory: HostInventory(hostID: host.id, targets: [], refreshedAt: nil))
        #expect(!dry.ok && dry.code == .secretNotGranted && dry.reason?.contains("holds a line break") == true, "\(String(describing: dry.reason))")
        let done = await driver.execute(host, action: Self.action(), targets: [Self.endpoint])
        #expect(done.first?.outcome == "failed")
        #expect(try receiver.requests().isEmpty)
        #expect(!(dry.reason ?? "").contains("X-Injected"), "the message never repeats the value")
    }

    @Test func aURLFromASecretIsNeverShown() async throws {
        let receiver = try Simulator("webhook_receiver.py", [])
        let secrets = Grants.secrets([.init(name: "chat-url", value: receiver.url + "/services/T000/B000/XXXXSECRETXXXX", host: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", field: "url")])
        let driver = WebhookDriver(secrets: secrets, clock: ManualClock())
        var host = Self.host(url: "", pin: nil, hmac: nil)
        host.connection = .webhook(url: .reference(.named("chat-url")), hmacSecret: nil, headers: [:], tls: .standard)
        let dry = await driver.dryRun(host, action: Self.action(path: ""), targets: [Self.endpoint], inventory: HostInventory(hostID: host.id, targets: [], refreshedAt: nil))
        #expect(dry.preview.allSatisfy { !$0.contains("XXXXSECRETXXXX") } && dry.summary.contains(#"<url from {"secret":"chat-url"}>"#))
        let done = await driver.execute(host, action: Self.action(path: ""), targets: [Self.endpoint])
        #expect(done.first?.outcome == "succeeded")
        #expect(try receiver.requests().first?["path"] as? String == "/services/T000/B000/XXXXSECRETXXXX")
    }
}
