import Engine
import Hashing
import HTTP
import Policy
import Secrets

/// The `webhook` driver: one HTTP POST per target to the host's `url` plus the action's
/// `path`, with the action's `body` as JSON, the host's `headers`, and, when the host has an
/// `hmac_secret`, `X-PolicyOps-Signature: sha256=<hex HMAC-SHA256 of the body>`. TLS is
/// verified (CA file or pinned certificate as the host says). A 2xx answer succeeds; of any
/// other only the status line is kept (a receiver's body is unknown: it may hold anything).
/// Only destinations the operator's `network` section allows are contacted; a dry-run
/// resolves the host and checks each of its addresses.
public struct WebhookDriver: Driver {
    public let kind = DriverKind.webhook
    let secrets: Secrets
    let clock: any EngineClock
    /// How long a request may take.
    let timeoutSeconds: Double

    public init(secrets: Secrets, clock: any EngineClock, timeoutSeconds: Double = 10) {
        self.secrets = secrets
        self.clock = clock
        self.timeoutSeconds = timeoutSeconds
    }

    struct Endpoint {
        var url: String
        /// The URL as records show it: a URL that comes from a secret reference may carry a
        /// token (chat webhooks do), so only its reference is shown.
        var shownURL: String
        var headers: [(name: String, value: String)]
        var signingKey: Secret?
        var verification: TLSVerification
        var tls: TLSSettings
        /// The resolved secrets, kept out of what is recorded of the answers.
        var redaction: HostSecrets
        /// Where the operator allows connections.
        var destinations: DestinationCheck

        var client: HTTPClient { HTTPClient(verification: verification, destinations: destinations) }
    }

    func endpoint(_ host: HostDeclaration) throws(SecretError) -> Endpoint {
        guard case .webhook(let url, let hmac, let headers, let tls) = host.connection else { throw SecretError(message: "host \(host.name) is not a webhook host") }
        let holder = SecretHolder.host(host.id)
        var redaction = HostSecrets()
        var resolved: [(name: String, value: String)] = []
        for name in headers.keys.sorted() {
            let field = "headers.\(name)"
            resolved.append((name, try Secrets.headerSafe(try secrets.resolve(headers[name]!, for: holder, field: field, noting: &redaction), field: field)))
        }
        let shown: String
        switch url {
        case .literal(let text): shown = text
        case .reference(let reference): shown = "<url from \(reference.shown)>"
        }
        let resolvedURL = try secrets.resolve(url, for: holder, field: "url", noting: &redaction)
        var signingKey: Secret?
        if let hmac { signingKey = try secrets.resolve(hmac, for: holder, field: "hmac_secret", noting: &redaction) }
        return Endpoint(url: resolvedURL, shownURL: shown, headers: resolved, signingKey: signingKey,
                        verification: try secrets.verification(tls, for: holder), tls: tls, redaction: redaction,
                        destinations: secrets.configuration.network.destinationCheck)
    }

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        // Endpoints are not discovered: they are the names policies give their requests.
        HostInventory(hostID: host.id, targets: [], refreshedAt: clock.now())
    }

    /// The body sent: the canonical JSON of the action's `body`.
    static func body(_ action: PlannedAction) -> [UInt8] { (action.params["body"] ?? .object([])).canonicalBytes }

    static func url(_ base: String, _ action: PlannedAction) -> String {
        // The path's own `/` separate; what a path may not hold is percent-encoded.
        let path = URLPath.path(action.params["path"]?.stringValue ?? "")
        guard !path.isEmpty else { return base }
        return base.hasSuffix("/") && path.hasPrefix("/") ? base + path.dropFirst() : (base.hasSuffix("/") || path.hasPrefix("/") ? base + path : base + "/" + path)
    }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        let endpoint: Endpoint
        do { endpoint = try self.endpoint(host) } catch {
            return .failure(error.code, error.message, checks: [.init(check: "secrets resolve", ok: false, details: error.message)])
        }
        var checks: [DryRunResult.Precondition] = [.init(check: "secrets resolve", ok: true)]
        // No request is made, so the host is resolved here: every address it has now must
        // be one the operator allows (the request checks again, at each connection).
        var unresolved = false
        do {
            try await endpoint.client.checkDestination(of: endpoint.url)
            checks.append(.init(check: "destination allowed", ok: true))
        } catch where error.kind == .refused {
            let reason = error.explained(Self.url(endpoint.shownURL, action))
            checks.append(.init(check: "destination allowed", ok: false, details: error.message))
            return .failure(.destinationRefused, reason, checks: checks)
        } catch {
            unresolved = true
            checks.append(.init(check: "destination allowed", ok: false, details: "\(error.message); checked again when the request is made"))
        }
        checks.append(endpoint.tls.precondition(for: endpoint.url))
        checks.append(.init(check: "request signed", ok: endpoint.signingKey != nil, details: endpoint.signingKey == nil ? "the host has no hmac_secret" : "HMAC-SHA256"))
        let url = Self.url(endpoint.shownURL, action)
        let bytes = Self.body(action).count
        return DryRunResult(ok: true, severity: endpoint.tls.warns(for: endpoint.url) || unresolved ? .warn : .info, preconditions: checks, planKind: "api",
                            preview: targets.map { "POST \(url) (\(bytes) bytes of JSON\(endpoint.signingKey == nil ? "" : ", signed")) for \($0.id)" },
                            summary: "POST to \(url) for \(targets.count) \(targets.count == 1 ? "endpoint" : "endpoints")",
                            perTarget: targets.map { .init(id: $0.id, from: "ready", to: "sent") })
    }

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        let endpoint: Endpoint
        do { endpoint = try self.endpoint(host) } catch {
            return targets.map { TargetOutcome(targetID: $0.id, severity: .error, outcome: "failed", detail: error.message) }
        }
        let client = endpoint.client
        let url = Self.url(endpoint.url, action)
        let body = Self.body(action)
        var outcomes: [TargetOutcome] = []
        for target in targets {
            var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "policyops"),
                                                            ("X-PolicyOps-Policy", action.policyID), ("X-PolicyOps-Target", target.id)]
            if let key = endpoint.signingKey {
                let mac = HMACSHA256.authenticationCode(key: Array(key.reveal().utf8), message: body)
                headers.append(("X-PolicyOps-Signature", "sha256=" + Hex.encode(mac)))
            }
            headers += endpoint.headers
            do {
                let response = try await client.send(HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeoutSeconds: timeoutSeconds))
                if (200..<300).contains(response.status) {
                    outcomes.append(TargetOutcome(targetID: target.id, severity: .info, outcome: "succeeded", detail: "HTTP \(response.status)"))
                } else {
                    outcomes.append(TargetOutcome(targetID: target.id, severity: .error, outcome: "failed",
                                                  detail: ResponseText.statusLine(response, redacting: endpoint.redaction)))
                }
            } catch {
                outcomes.append(TargetOutcome(targetID: target.id, severity: .error, outcome: "failed", detail: error.explained(Self.url(endpoint.shownURL, action))))
            }
        }
        return outcomes
    }
}
