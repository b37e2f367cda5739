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
        case .other: return "\(what): \(message)"
        }
    }
}

/// Text of a response body for a record: at most `limit` bytes, one line.
func excerpt(_ body: [UInt8], limit: Int = 300) -> String {
    var text = String(decoding: body.prefix(limit), as: UTF8.self)
    text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return body.count > limit ? text + " …" : text
}
