import Engine
import Foundation
import HTTP
import Policy
import Secrets

/// The `proxmox` driver, over Proxmox VE's REST API (`/api2/json`) with an API token:
/// discovery of the node's VMs and containers (their tags become labels), dry-runs that read
/// live state and the token's privileges, and power actions that run as Proxmox tasks, polled
/// until they end. TLS is verified: the system's authorities, a CA file, or the node's
/// certificate pinned by its SHA-256 (self-signed certificates are the norm on Proxmox).
/// Only addresses the operator's `network` section allows are contacted. Of an error answer
/// the records keep the status and Proxmox's message (its reason phrase, `message` and
/// `errors`), one line, short, with the token redacted; never the body as such.
public struct ProxmoxDriver: Driver {
    public let kind = DriverKind.proxmox
    let secrets: Secrets
    let clock: any EngineClock
    let timing: Timing

    /// How long things may take; tests make them short.
    public struct Timing: Sendable {
        /// One API request (the fast refresh uses the capability's refresh SLA instead).
        public var requestSeconds: Double = 15
        /// Between two reads of a task's status.
        public var taskPollSeconds: Double = 1
        /// A task's longest run, besides a shutdown's grace period.
        public var taskSeconds: Double = 120
        /// The first wait after a locked guest; it doubles, up to `lockAttempts` tries.
        public var lockBackoffSeconds: Double = 1
        public var lockAttempts = 5
        public init() {}
    }

    public init(secrets: Secrets, clock: any EngineClock, timing: Timing = Timing()) {
        self.secrets = secrets
        self.clock = clock
        self.timing = timing
    }

    // MARK: the API

    struct API {
        var base: String
        var node: String
        var authorization: Secret
        var client: HTTPClient
        var tls: TLSSettings
        /// The resolved secrets, kept out of what is recorded of the answers.
        var redaction: HostSecrets

        /// A vendor's text (a task's exit status, a task id) as a record keeps it.
        func kept(_ text: String, limit: Int = ResponseText.limit) -> String { ResponseText.clean(text, redacting: redaction, limit: limit) }
    }

    func api(_ host: HostDeclaration) throws(SecretError) -> API {
        guard case .proxmox(let url, let node, let tokenID, let tokenSecret, let tls) = host.connection else {
            throw SecretError(message: "host \(host.name) is not a proxmox host")
        }
        let holder = SecretHolder.host(host.id)
        var redaction = HostSecrets()
        let base = try secrets.resolve(url, for: holder, field: "url", noting: &redaction)
        let token = try Secrets.headerSafe(try secrets.resolve(tokenSecret, for: holder, field: "token_secret", noting: &redaction).reveal(), field: "token_secret")
        let id = try Secrets.headerSafe(try secrets.resolve(tokenID, for: holder, field: "token_id", noting: &redaction), field: "token_id")
        let authorization = "PVEAPIToken=\(id)=\(token)"
        redaction.add(authorization)
        return API(base: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api2/json",
                   node: try secrets.resolve(node, for: holder, field: "node", noting: &redaction),
                   authorization: Secret(authorization),
                   client: HTTPClient(verification: try secrets.verification(tls, for: holder), destinations: secrets.configuration.network.destinationCheck),
                   tls: tls, redaction: redaction)
    }

    /// Why a call failed, with the code the engine records.
    struct Failure: Error {
        var code: DiagnosticCode
        var message: String
        var status: Int?
    }

    /// One API call; the answer's `data`.
    func call(_ api: API, _ method: String, _ path: String, form: [(String, String)] = [], timeout: Double? = nil) async throws(Failure) -> JSON {
        var headers: [(name: String, value: String)] = [("Authorization", api.authorization.reveal()), ("Accept", "application/json")]
        var body: [UInt8] = []
        if method != "GET" {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        }
        let response: HTTPResponse
        do {
            response = try await api.client.send(HTTPRequest(method: method, url: api.base + path, headers: headers, body: body,
                                                             timeoutSeconds: timeout ?? timing.requestSeconds))
        } catch {
            throw Failure(code: error.code, message: error.explained("the Proxmox API at \(api.base)"))
        }
        guard response.status == 200 else {
            let reason = Self.message(of: response, redacting: api.redaction)
            switch response.status {
            case 401: throw Failure(code: .authDenied, message: "Proxmox refused the API token (401 \(reason))", status: 401)
            case 403: throw Failure(code: .authDenied, message: "the API token lacks a privilege (403 \(reason))", status: 403)
            case 595: throw Failure(code: .hostUnreachable, message: "node \(api.node) does not answer (595 \(reason))", status: 595)
            default: throw Failure(code: .driverFailure, message: "Proxmox answered \(response.status) \(reason)", status: response.status)
            }
        }
        guard let json = JSON.parse(response.body) else {
            throw Failure(code: .driverFailure, message: "Proxmox answered \(ResponseText.statusLine(response, redacting: api.redaction)) with \(response.body.count) bytes that are not JSON")
        }
        return json["data"] ?? .null
    }

    /// Proxmox's message of an error answer, as a record keeps it: the reason phrase (the
    /// message's first line), the whole `message` when it says more, and `errors` (a
    /// parameter's complaint, for a 400), as `param: text`.
    static func message(of response: HTTPResponse, redacting redaction: HostSecrets) -> String {
        let reason = response.reason.trimmingCharacters(in: .whitespaces)
        let json = JSON.parse(response.body).flatMap { $0.objectMembers == nil ? nil : $0 }
        let message = json?["message"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var text = reason
        if message.hasPrefix(reason) || reason.isEmpty {
            text = message.isEmpty ? reason : message
        } else if !message.isEmpty {
            text = reason + ": " + message
        }
        let errors = (json?["errors"]?.objectMembers ?? []).compactMap { m in m.value.stringValue.map { "\(m.key): \($0.trimmingCharacters(in: .whitespacesAndNewlines))" } }
        if !errors.isEmpty { text += " (" + errors.joined(separator: "; ") + ")" }
        return ResponseText.clean(text, redacting: redaction)
    }

    /// Percent-encoding for path segments and forms (UPIDs hold `:`, `@` and `!`; a node's
    /// name or a vmid is one segment whatever it holds).
    static func encode(_ text: String) -> String { URLPath.segment(text) }

    // MARK: discovery

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        let api: API
        do { api = try self.api(host) } catch {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false, problem: error.message, problemCode: error.code)
        }
        let sla = Double(host.refreshSLASeconds(default: capabilities.first?.dryRunRefreshSLASeconds ?? 5))
        let timeout = full ? timing.requestSeconds : sla
        // VMs and containers are listed at once: the fast refresh takes one SLA, not two.
        func list(_ kind: String) async -> Result<JSON, Failure> {
            do throws(Failure) { return .success(try await call(api, "GET", "/nodes/\(Self.encode(api.node))/\(kind)", timeout: timeout)) }
            catch { return .failure(error) }
        }
        async let vms = list("qemu")
        async let containers = list("lxc")
        let lists = [(TargetType.vm, "the VM list (GET /nodes/\(api.node)/qemu)", await vms), (.ct, "the container list (GET /nodes/\(api.node)/lxc)", await containers)]
        var targets: [InventoryTarget] = []
        var problems: [(code: DiagnosticCode, message: String, part: String)] = []
        for (type, part, result) in lists {
            switch result {
            case .success(let list):
                for guest in (list.arrayValue ?? []).sorted(by: { ($0["vmid"]?.integerValue ?? 0) < ($1["vmid"]?.integerValue ?? 0) }) {
                    guard let vmid = guest["vmid"]?.integerValue ?? guest["vmid"]?.stringValue.flatMap({ Int64($0) }) else { continue }
                    let native = String(vmid)
                    var labels: [String: String] = [:]
                    for tag in (guest["tags"]?.stringValue ?? "").split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " }) { labels[String(tag)] = "true" }
                    if let lock = guest["lock"]?.stringValue { labels["lock"] = lock }
                    targets.append(InventoryTarget(id: type.targetID(native), type: type, nativeID: native, name: guest["name"]?.stringValue ?? native,
                                                   state: guest["status"]?.stringValue ?? "unknown", labels: labels))
                }
            case .failure(let error):
                problems.append((error.code, error.message, part))
            }
        }
        if problems.count == 2 {
            return HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: problems[0].message, problemCode: problems[0].code)
        }
        return HostInventory(hostID: host.id, targets: targets, refreshedAt: clock.now(), stale: !problems.isEmpty,
                             problem: problems.first.map { "part of the refresh of \(host.name) failed: \($0.part): \($0.message); its guests are missing from the inventory" },
                             problemCode: problems.isEmpty ? nil : .partialRefresh)
    }

    // MARK: dry-run

    /// What a verb leaves a guest in, from its state now; nil when the verb needs a running
    /// guest and it is not running (Proxmox refuses those with "not running").
    static func desired(_ verb: String, from state: String) -> String {
        switch verb {
        case "start", "resume": return "running"
        case "shutdown", "stop": return "stopped"
        case "suspend": return state == "running" ? "suspended" : state
        case "reboot", "reset": return state == "running" ? "running (restarted)" : state
        default: return state
        }
    }

    /// The request a verb sends for a guest.
    static func request(_ action: PlannedAction, node: String, target: InventoryTarget) -> (path: String, form: [(String, String)]) {
        let kind = target.type == .ct ? "lxc" : "qemu"
        var form: [(String, String)] = []
        if action.verb == "shutdown" {
            form.append(("timeout", String(action.params["grace_s"]?.integerValue ?? 60)))
            form.append(("forceStop", action.params["force"]?.boolValue == true ? "1" : "0"))
        }
        return ("/nodes/\(encode(node))/\(kind)/\(encode(target.nativeID))/status/\(encode(action.verb))", form)
    }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        var checks = [DryRunResult.Precondition(check: "host reachable", ok: inventory.reachable, details: inventory.problem)]
        guard inventory.reachable else {
            return .failure(inventory.problemCode ?? .hostUnreachable, inventory.problem ?? "Proxmox node of \(host.name) does not answer", checks: checks)
        }
        let api: API
        do { api = try self.api(host) } catch {
            checks.append(.init(check: "secrets resolve", ok: false, details: error.message))
            return .failure(error.code, error.message, checks: checks)
        }
        checks.append(api.tls.precondition(for: api.base))
        // The token's privileges, once for all targets: every path it has, walked up from each guest.
        // path → privilege → propagates below the path (Proxmox's `/access/permissions`).
        let privileges: [String: [String: Bool]]
        do {
            let answer = try await call(api, "GET", "/access/permissions")
            var paths: [String: [String: Bool]] = [:]
            for m in answer.objectMembers ?? [] {
                var privs: [String: Bool] = [:]
                for p in m.value.objectMembers ?? [] { privs[p.key] = (p.value.integerValue ?? 0) != 0 || p.value.boolValue == true }
                paths[m.key] = privs
            }
            privileges = paths
        } catch {
            checks.append(.init(check: "token privileges read", ok: false, details: error.message))
            return .failure(error.code, error.message, checks: checks)
        }
        // Granted on the guest's own path, or on a path above that propagates it.
        func may(_ privilege: String, _ vmid: String) -> Bool {
            if privileges["/vms/\(vmid)"]?[privilege] != nil { return true }
            return privileges["/vms"]?[privilege] == true || privileges["/"]?[privilege] == true
        }
        let refused = targets.filter { !may("VM.PowerMgmt", $0.nativeID) }
        checks.append(.init(check: "token may power the guests (VM.PowerMgmt)", ok: refused.isEmpty,
                            details: refused.isEmpty ? nil : "not on " + refused.map(\.id).joined(separator: ", ")))
        if !refused.isEmpty {
            return .failure(.authDenied, "the API token of \(host.name) lacks VM.PowerMgmt on " + refused.map(\.friendlyLabel).joined(separator: ", "), checks: checks)
        }
        let locked = targets.filter { $0.labels["lock"] != nil }
        checks.append(.init(check: "guests not locked", ok: locked.isEmpty,
                            details: locked.isEmpty ? nil : locked.map { "\($0.id) (\($0.labels["lock"]!))" }.joined(separator: ", ") + "; the action will wait and retry"))
        var effects: [DryRunResult.TargetEffect] = []
        var preview: [String] = []
        for target in targets {
            let state = inventory.target(target.id)?.state ?? target.state
            let to = Self.desired(action.verb, from: state)
            effects.append(.init(id: target.id, from: state, to: to))
            if to != state {
                let (path, form) = Self.request(action, node: api.node, target: target)
                preview.append("POST \(path)" + (form.isEmpty ? "" : " " + form.map { "\($0.0)=\($0.1)" }.joined(separator: " ")))
            }
        }
        let changing = effects.filter { !$0.isNoOp }.count
        return DryRunResult(ok: true, severity: api.tls.warns(for: api.base) || !locked.isEmpty ? .warn : .info, preconditions: checks, planKind: "api", preview: preview,
                            summary: "\(action.verb) \(changing) of \(targets.count) guests on \(host.name)", perTarget: effects)
    }

    // MARK: execution

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        let api: API
        do { api = try self.api(host) } catch {
            return targets.map { TargetOutcome(targetID: $0.id, severity: .error, outcome: "failed", detail: error.message) }
        }
        var outcomes: [TargetOutcome] = []
        for target in targets { outcomes.append(await run(api, action, target)) }
        return outcomes
    }

    func run(_ api: API, _ action: PlannedAction, _ target: InventoryTarget) async -> TargetOutcome {
        func outcome(_ severity: Severity, _ outcome: String, _ detail: String) -> TargetOutcome {
            TargetOutcome(targetID: target.id, severity: severity, outcome: outcome, detail: detail)
        }
        let (path, form) = Self.request(action, node: api.node, target: target)
        var wait = timing.lockBackoffSeconds
        var attempt = 0
        // Another task can hold the guest's configuration lock: the request is refused with
        // HTTP 500 (containers), or its task fails (VMs, which take the lock in the task).
        // Either way the action waits and tries again, a few times, with a growing pause.
        func retryable(_ text: String) -> Bool { text.contains("can't lock file") || text.contains("got timeout") && text.contains("lock") }
        while true {
            attempt += 1
            let upid: String
            do {
                guard let id = try await call(api, "POST", path, form: form).stringValue else { return outcome(.error, "failed", "Proxmox answered no task id") }
                upid = id
            } catch {
                if error.status == 500, retryable(error.message), attempt < timing.lockAttempts {
                    try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                    wait *= 2
                    continue
                }
                if error.status == 500, error.message.contains("not running"), ["reboot", "reset", "suspend"].contains(action.verb) {
                    return outcome(.info, "already-in-state", "\(target.friendlyLabel) is not running: nothing to \(action.verb)")
                }
                if error.status == 500, error.message.contains("already running"), action.verb == "start" {
                    return outcome(.info, "already-in-state", error.message)
                }
                return outcome(.error, "failed", error.message)
            }
            switch await finish(api, upid, action, target) {
            case .ended(let result): return result
            case .lockBusy where attempt < timing.lockAttempts:
                try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                wait *= 2
            case .lockBusy(let text):
                return outcome(.error, "failed", "task \(api.kept(upid, limit: 120)) failed: \(text) (tried \(attempt) times)")
            }
        }
    }

    enum TaskEnd {
        case ended(TargetOutcome)
        case lockBusy(String)
    }

    /// Polls a task until it ends. (The 200 came before the work: the task says how it went.)
    func finish(_ api: API, _ upid: String, _ action: PlannedAction, _ target: InventoryTarget) async -> TaskEnd {
        func outcome(_ severity: Severity, _ outcome: String, _ detail: String) -> TaskEnd {
            .ended(TargetOutcome(targetID: target.id, severity: severity, outcome: outcome, detail: detail))
        }
        let grace = action.verb == "shutdown" ? Double(action.params["grace_s"]?.integerValue ?? 60) : 0
        let deadline = Date().addingTimeInterval(grace + timing.taskSeconds)
        let statusPath = "/nodes/\(Self.encode(api.node))/tasks/\(Self.encode(upid))/status"
        // The id as records show it (it is the server's text too).
        let shown = api.kept(upid, limit: 120)
        while Date() < deadline {
            do {
                let status = try await call(api, "GET", statusPath)
                if status["status"]?.stringValue == "stopped" {
                    let exit = status["exitstatus"]?.stringValue ?? "unknown"
                    if exit == "OK" { return outcome(.info, "succeeded", "now \(Self.desired(action.verb, from: target.state)) (task \(shown))") }
                    if action.verb == "start", exit.contains("already running") { return outcome(.info, "already-in-state", api.kept(exit)) }
                    if exit.contains("can't lock file") { return .lockBusy(api.kept(exit)) }
                    return outcome(.error, "failed", "task \(shown) failed: \(api.kept(exit))")
                }
            } catch {
                if error.code == .authDenied || error.code == .destinationRefused { return outcome(.error, "failed", error.message) }
                // A poll that fails is tried again until the deadline: the task runs on.
            }
            try? await Task.sleep(nanoseconds: UInt64(timing.taskPollSeconds * 1e9))
        }
        return outcome(.error, "failed", "task \(shown) did not end within \(Int(grace + timing.taskSeconds)) s; it may still run on the node")
    }
}
