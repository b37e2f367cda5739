import HTTP
import Policy

/// What a driver keeps of an HTTP answer for its records (SPEC section 18): the status line
/// and the vendor's own error message, never the body as such. Whatever is kept is one line,
/// terminal-safe, at most `limit` characters, with the secrets the driver resolved for the
/// host redacted: an internal endpoint's error page, or a body with a token in it, never
/// reaches an outcome, an inventory problem, and so the ledger.
enum ResponseText {
    /// The longest text kept from one answer.
    static let limit = 200

    /// `HTTP <code> <reason>`.
    static func statusLine(_ response: HTTPResponse, redacting redaction: HostSecrets) -> String {
        let reason = clean(response.reason, redacting: redaction)
        return reason.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(reason)"
    }

    /// A vendor's text as a record keeps it: whitespace runs and line breaks made one space,
    /// control characters escaped, secrets redacted, cut at `limit` characters.
    static func clean(_ text: String, redacting redaction: HostSecrets, limit: Int = limit) -> String {
        // Redacted before anything changes the text (a value with a space in it still
        // matches, and the cut never leaves part of one), and again after the escaping.
        let oneLine = redaction(text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let safe = redaction(oneLine.terminalSafe)
        return safe.count > limit ? String(safe.prefix(limit)) + "…" : safe
    }

    /// The string at `key` of a JSON object body, when the body is one and it is there.
    static func member(_ key: String, of body: [UInt8]) -> String? {
        guard let json = JSON.parse(body), json.objectMembers != nil else { return nil }
        return json[key]?.stringValue
    }
}
