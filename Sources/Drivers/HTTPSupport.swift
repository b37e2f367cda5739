import Engine
import HTTP
import Policy
import Secrets

extension Secrets {
    /// How a host's `tls` settings verify its server.
    func verification(_ tls: TLSSettings, for holder: SecretHolder) throws(SecretError) -> TLSVerification {
        if tls.insecure { return .insecure }
        if let pin = tls.fingerprintSHA256 { return .pinned(sha256: pin) }
        if let ca = tls.caFile { return .authorities(file: try resolve(ca, for: holder, field: "tls.ca_file")) }
        return .system
    }
}

extension Secrets {
    /// A connection value, resolved; one that came from a reference is redacted from what
    /// the driver keeps of the host's answers.
    func resolve(_ value: ConnectionValue, for holder: SecretHolder, field: String, noting redaction: inout HostSecrets) throws(SecretError) -> String {
        let resolved = try resolve(value, for: holder, field: field)
        if case .reference = value { redaction.add(resolved) }
        return resolved
    }

    /// A secret, resolved and redacted from what the driver keeps of the host's answers.
    func resolve(_ reference: SecretReference, for holder: SecretHolder, field: String, noting redaction: inout HostSecrets) throws(SecretError) -> Secret {
        let secret = try resolve(reference, for: holder, field: field)
        redaction.add(secret.reveal())
        return secret
    }
}

extension NetworkAllowList {
    /// The check an HTTP client makes before it resolves a host and before each connection:
    /// this allow-list's decision, its refusal's sentence as the reason.
    var destinationCheck: DestinationCheck {
        let key = "ranges=\(ranges.map(\.description).joined(separator: ","));names=\(names.joined(separator: ","));loopback=\(allowLoopback)"
        return DestinationCheck(key: key) { host, address in
            guard let address else { return checkName(host)?.description }
            guard let parsed = NetworkAddress(bytes: address) else { return "\(host): not an IPv4 or IPv6 address" }
            return check(host: host, address: parsed)?.description
        }
    }
}

extension SecretError {
    /// The diagnostic code of a secret a driver could not have: not granted (or unusable
    /// where it was asked for) is PO5013; granted but missing is an authentication failure.
    var code: DiagnosticCode {
        switch kind {
        case .notGranted, .unusable: return .secretNotGranted
        case .unavailable: return .authDenied
        }
    }
}

extension TLSSettings {
    /// The precondition a dry-run reports about verification of a host at `url` (plain
    /// `http` and `insecure` warn: nothing is verified).
    func precondition(for url: String) -> DryRunResult.Precondition {
        if Self.isPlainHTTP(url) {
            return .init(check: "TLS verified", ok: false, details: "plain http: no TLS at all, so nothing is verified and requests and credentials cross the network unencrypted")
        }
        if insecure { return .init(check: "TLS verified", ok: false, details: "tls.insecure is set: the server's certificate is not checked") }
        if let fingerprintText { return .init(check: "TLS verified", ok: true, details: "certificate pinned to SHA-256 \(fingerprintText)") }
        if caFile != nil { return .init(check: "TLS verified", ok: true, details: "by the host's ca_file") }
        return .init(check: "TLS verified", ok: true, details: "by the system's certificate authorities")
    }

    /// Whether a dry-run of a host at `url` warns: its connection is not verified.
    func warns(for url: String) -> Bool { insecure || Self.isPlainHTTP(url) }

    static func isPlainHTTP(_ url: String) -> Bool { url.lowercased().hasPrefix("http://") }
}

extension HTTPError {
    /// The diagnostic code of a request that got no response.
    var code: DiagnosticCode {
        switch kind {
        case .unreachable, .timeout: return .hostUnreachable
        case .refused: return .destinationRefused
        case .tls, .pinMismatch, .other: return .driverFailure
        }
    }

    /// A sentence for people.
    func explained(_ what: String) -> String {
        switch kind {
        case .unreachable: return "\(what) does not answer: \(message)"
        case .timeout: return "\(what) did not answer in time: \(message)"
        case .tls: return "TLS with \(what) failed (the certificate did not verify): \(message)"
        case .pinMismatch: return "TLS with \(what) refused: \(message)"
        case .refused: return "\(what) is not contacted: \(message)"
        case .other: return "\(what): \(message)"
        }
    }
}
