import Engine
import Foundation
import HTTP
import Policy
import Secrets
import Synchronization

/// The `aoss` driver, over the ArubaOS-Switch REST API (`/rest/vN`): a login session
/// (opened again when the switch drops it), PoE read per port with the ports' names, and PoE
/// set per port — `on`, `off`, or `cycle` (off, a pause, on). Ports the host declares as
/// `protected_ports` (uplinks, say) are never switched: a dry-run says so, an execution
/// refuses them. Only addresses the operator's `network` section allows are contacted; of an
/// error answer the records keep the status and the switch's `message` (or `error`), one
/// line, short, with the password and the session cookie redacted.
public struct AOSSDriver: Driver {
    public let kind = DriverKind.aoss
    let secrets: Secrets
    let clock: any EngineClock
    let timing: Timing
    let sessions = Sessions()

    /// How long things may take; tests make them short.
    public struct Timing: Sendable {
        /// One API request (the fast refresh uses the capability's refresh SLA instead).
        public var requestSeconds: Double = 15
        /// How long a `cycle` leaves a port off.
        public var cycleOffSeconds: Double = 5
        public init() {}
    }

    public init(secrets: Secrets, clock: any EngineClock, timing: Timing = Timing()) {
        self.secrets = secrets
        self.clock = clock
        self.timing = timing
    }

    /// Login sessions by host, reused across requests.
    final class Sessions: Sendable {
        let cookies = Mutex<[String: String]>([:])
    }

    struct API {
        var base: String
        var hostID: String
        var username: String
        var password: Secret
        var client: HTTPClient
        var tls: TLSSettings
        var protected: ProtectedPorts
        /// The resolved secrets, kept out of what is recorded of the answers.
        var redaction: HostSecrets
    }

    func api(_ host: HostDeclaration) throws(SecretError) -> API {
        guard case .aoss(let url, let version, let username, let password, _, let tls) = host.connection else {
            throw SecretError(message: "host \(host.name) is not an aoss host")
        }
        let holder = SecretHolder.host(host.id)
        var redaction = HostSecrets()
        let base = try secrets.resolve(url, for: holder, field: "url", noting: &redaction)
        return API(base: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/rest/" + version, hostID: host.id,
                   username: try secrets.resolve(username, for: holder, field: "username", noting: &redaction),
                   password: try secrets.resolve(password, for: holder, field: "password", noting: &redaction),
                   client: HTTPClient(verification: try secrets.verification(tls, for: holder), destinations: secrets.configuration.network.destinationCheck),
                   tls: tls, protected: ProtectedPorts(host), redaction: redaction)
    }

    struct Failure: Error {
        var code: DiagnosticCode
        var message: String
    }

    /// The switch's message of an error answer (`{"message": ...}`, or `{"error": ...}`),
    /// else the reason phrase, as a record keeps it.
    static func message(of response: HTTPResponse, redacting redaction: HostSecrets) -> String {
        let text = ResponseText.member("message", of: response.body) ?? ResponseText.member("error", of: response.body) ?? response.reason
        return ResponseText.clean(text, redacting: redaction)
    }

    /// A session cookie for the host: the one in use, or a new login.
    func login(_ api: API, timeout: Double, fresh: Bool = false) async throws(Failure) -> String {
        if !fresh, let cookie = sessions.cookies.withLock({ $0[api.hostID] }) { return cookie }
        let body = JSON.object(["userName": .string(api.username), "password": .string(api.password.reveal())]).canonicalBytes
        let response: HTTPResponse
        do {
            response = try await api.client.send(HTTPRequest(method: "POST", url: api.base + "/login-sessions",
                                                             headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                                             body: body, timeoutSeconds: timeout))
        } catch {
            throw Failure(code: error.code, message: error.explained("the switch at \(api.base)"))
        }
        guard response.status == 201 || response.status == 200 else {
            let message = Self.message(of: response, redacting: api.redaction)
            throw Failure(code: response.status == 401 ? .authDenied : .driverFailure,
                          message: "the switch refused the login of \(api.username) (\(response.status) \(message))")
        }
        let cookie = JSON.parse(response.body)?["cookie"]?.stringValue
            ?? response.headers["set-cookie"].flatMap { $0.split(separator: ";").first.map(String.init) }
        guard let cookie, cookie.hasPrefix("sessionId=") else { throw Failure(code: .driverFailure, message: "the switch's login answer has no session cookie") }
        sessions.cookies.withLock { $0[api.hostID] = cookie }
        return cookie
    }

    /// One API call with the session; a session the switch dropped (401) is opened again once.
    func call(_ api: API, _ method: String, _ path: String, body: JSON? = nil, timeout: Double? = nil) async throws(Failure) -> JSON {
        let timeout = timeout ?? timing.requestSeconds
        var fresh = false
        while true {
            let cookie = try await login(api, timeout: timeout, fresh: fresh)
            var headers: [(name: String, value: String)] = [("Cookie", cookie), ("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let response: HTTPResponse
            do {
                response = try await api.client.send(HTTPRequest(method: method, url: api.base + path, headers: headers,
                                                                 body: body?.canonicalBytes ?? [], timeoutSeconds: timeout))
            } catch {
                throw Failure(code: error.code, message: error.explained("the switch at \(api.base)"))
            }
            if response.status == 401 && !fresh {
                fresh = true
                continue
            }
            guard (200..<300).contains(response.status) else {
                var redaction = api.redaction
                redaction.add(cookie)
                let message = Self.message(of: response, redacting: redaction)
                throw Failure(code: response.status == 401 || response.status == 403 ? .authDenied : .driverFailure,
                              message: "the switch answered \(response.status) to \(method) \(path): \(message)")
            }
            return response.body.isEmpty ? .null : (JSON.parse(response.body) ?? .null)
        }
    }

    // MARK: discovery

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        let api: API
        do { api = try self.api(host) } catch {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false, problem: error.message, problemCode: error.code)
        }
        let timeout = full ? timing.requestSeconds : Double(host.refreshSLASeconds(default: capabilities.first?.dryRunRefreshSLASeconds ?? 5))
        let poe: JSON
        do { poe = try await call(api, "GET", "/poe/ports", timeout: timeout) } catch {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false, problem: error.message, problemCode: error.code)
        }
        var names: [String: String] = [:]
        var problem: String?
        do {
            for p in try await call(api, "GET", "/ports", timeout: timeout)["port_element"]?.arrayValue ?? [] {
                if let id = p["id"]?.stringValue, let name = p["name"]?.stringValue, !name.isEmpty { names[id] = name }
            }
        } catch {
            problem = "port names not read: \(error.message)"
        }
        var targets: [InventoryTarget] = []
        for p in poe["port_poe"]?.arrayValue ?? [] {
            guard let id = p["port_id"]?.stringValue else { continue }
            var labels: [String: String] = [:]
            if let priority = p["poe_priority"]?.stringValue { labels["poe_priority"] = priority.replacingOccurrences(of: "PPP_", with: "").lowercased() }
            targets.append(InventoryTarget(id: TargetType.poePort.targetID(id), type: .poePort, nativeID: id, name: names[id] ?? id,
                                           state: p["is_poe_enabled"]?.boolValue == true ? "on" : "off", labels: labels))
        }
        return HostInventory(hostID: host.id, targets: targets, refreshedAt: clock.now(), stale: problem != nil, problem: problem,
                             problemCode: problem == nil ? nil : .partialRefresh)
    }

    // MARK: dry-run

    static func desired(_ action: PlannedAction, from state: String) -> String {
        switch action.params["state"]?.stringValue {
        case "on": return "on"
        case "off": return "off"
        default: return "on (cycled)"
        }
    }

    /// The URL path of a port: its id is one segment, so `1/1` goes in as `1%2F1`.
    static func poePath(_ port: String) -> String { "/ports/\(URLPath.segment(port))/poe" }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        var checks = [DryRunResult.Precondition(check: "host reachable", ok: inventory.reachable, details: inventory.problem)]
        guard inventory.reachable else {
            return .failure(inventory.problemCode ?? .hostUnreachable, inventory.problem ?? "switch \(host.name) does not answer", checks: checks)
        }
        let api: API
        do { api = try self.api(host) } catch {
            checks.append(.init(check: "secrets resolve", ok: false, details: error.message))
            return .failure(error.code, error.message, checks: checks)
        }
        checks.append(api.tls.precondition(for: api.base))
        let protected = targets.filter { api.protected.contains($0) }
        checks.append(.init(check: "no protected port", ok: protected.isEmpty,
                            details: protected.isEmpty ? nil : protected.map(\.id).joined(separator: ", ") + " protected on \(host.name): never switched"))
        var effects: [DryRunResult.TargetEffect] = []
        var preview: [String] = []
        let value = action.params["state"]?.stringValue ?? "cycle"
        for target in targets {
            let state = inventory.target(target.id)?.state ?? target.state
            if protected.contains(target) {
                effects.append(.init(id: target.id, from: state, to: state, note: "protected on \(host.name): never switched"))
                continue
            }
            let to = Self.desired(action, from: state)
            effects.append(.init(id: target.id, from: state, to: to))
            if to != state {
                let path = Self.poePath(target.nativeID)
                switch value {
                case "cycle":
                    preview.append("PUT \(path) {\"is_poe_enabled\": false}, \(Int(timing.cycleOffSeconds)) s, PUT \(path) {\"is_poe_enabled\": true}")
                default:
                    preview.append("PUT \(path) {\"is_poe_enabled\": \(value == "on")}")
                }
            }
        }
        let changing = effects.filter { !$0.isNoOp }.count
        return DryRunResult(ok: true, severity: api.tls.warns(for: api.base) || !protected.isEmpty ? .warn : .info, preconditions: checks, planKind: "api",
                            preview: preview, summary: "set PoE \(value) on \(changing) of \(targets.count) ports of \(host.name)", perTarget: effects)
    }

    // MARK: execution

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        let api: API
        do { api = try self.api(host) } catch {
            return targets.map { TargetOutcome(targetID: $0.id, severity: .error, outcome: "failed", detail: error.message) }
        }
        let value = action.params["state"]?.stringValue ?? "cycle"
        var outcomes: [TargetOutcome] = []
        for target in targets {
            if api.protected.contains(target) {
                outcomes.append(TargetOutcome(targetID: target.id, severity: .warn, outcome: "refused",
                                              detail: "\(target.id) is protected on \(host.name) and is never switched"))
                continue
            }
            do {
                let path = Self.poePath(target.nativeID)
                if value == "cycle" {
                    _ = try await call(api, "PUT", path, body: .object(["port_id": .string(target.nativeID), "is_poe_enabled": .bool(false)]))
                    try? await Task.sleep(nanoseconds: UInt64(timing.cycleOffSeconds * 1e9))
                }
                let answer = try await call(api, "PUT", path, body: .object(["port_id": .string(target.nativeID), "is_poe_enabled": .bool(value != "off")]))
                let now = answer["is_poe_enabled"]?.boolValue.map { $0 ? "on" : "off" } ?? (value == "off" ? "off" : "on")
                outcomes.append(TargetOutcome(targetID: target.id, severity: .info, outcome: "succeeded",
                                              detail: value == "cycle" ? "cycled, now \(now)" : "now \(now)"))
            } catch {
                outcomes.append(TargetOutcome(targetID: target.id, severity: .error, outcome: "failed", detail: error.message))
            }
        }
        return outcomes
    }
}
