import Secrets

/// The secret values a driver resolved for one host, kept out of whatever it records of that
/// host's answers: each value in every form `Redaction` finds (as it is, base64, hex, ...)
/// and percent-encoded, as it goes into a form body or a URL a server may echo.
struct HostSecrets: Sendable {
    private(set) var values: [String] = []

    /// No secrets yet.
    init() {}

    /// Keeps `value` out from now on.
    mutating func add(_ value: String) {
        guard !value.isEmpty else { return }
        values.append(value)
        let encoded = URLPath.segment(value)
        if encoded != value { values.append(encoded) }
    }

    /// `text` with every form of every value replaced by `<secret>`.
    func callAsFunction(_ text: String) -> String { values.isEmpty ? text : Redaction.redact(text, values: values) }
}
