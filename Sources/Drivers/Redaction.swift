import Hashing

/// The secret values a driver resolved for one host, and what it takes out of any text it
/// keeps from that host's answers: each value as it is, percent-encoded, in hex (either
/// case) and in base64 (standard or URL-safe, padded or not, and at each of the three
/// alignments it can have inside a longer encoded value such as `Basic base64(user:secret)`).
/// A server that echoes a credential back, in any of these forms, does not get it into a
/// record.
struct Redaction: Sendable {
    /// What a redacted value becomes (as a `Secret` prints).
    static let placeholder = "<secret>"
    /// Values shorter than this are not searched for (they would match ordinary words), nor
    /// encoded fragments shorter than `shortestFragment`.
    static let shortestValue = 4
    static let shortestFragment = 8

    /// The forms searched for, longest first (so a longer form goes before a part of it).
    private(set) var forms: [String] = []

    /// Nothing to redact.
    init() {}

    /// Redacts `value` from now on.
    mutating func add(_ value: String) {
        guard value.utf8.count >= Self.shortestValue else { return }
        let bytes = Array(value.utf8)
        var found: Set<String> = Set(forms)
        found.insert(value)
        found.insert(URLPath.segment(value))
        found.insert(Hex.encode(bytes))
        found.insert(Hex.encode(bytes).uppercased())
        let whole = Self.base64(bytes)
        for form in [whole] + (0..<3).map({ Self.base64Core(bytes, shift: $0) }) where form.count >= Self.shortestFragment {
            found.insert(form)
            found.insert(Self.urlSafe(form))
        }
        forms = found.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// `text` with every form of every value replaced by the placeholder.
    func callAsFunction(_ text: String) -> String {
        var out = text
        for form in forms where out.contains(form) {
            out = out.split(separator: form, omittingEmptySubsequences: false).joined(separator: Self.placeholder)
        }
        return out
    }

    /// The base64 characters that depend on `bytes` alone when they follow `shift` other
    /// bytes (mod 3) inside a longer value: what any encoding of a value holding them shows.
    static func base64Core(_ bytes: [UInt8], shift: Int) -> String {
        let encoded = Array(base64([UInt8](repeating: 0, count: shift) + bytes).utf8)
        // Character i covers bits 6i..<6i+6; the value's bits are 8·shift..<8·(shift + n).
        let first = (8 * shift + 5) / 6
        let end = 8 * (shift + bytes.count) / 6
        guard first < end, end <= encoded.count else { return "" }
        return String(decoding: encoded[first..<end], as: UTF8.self)
    }

    /// Standard base64 with padding (RFC 4648 §4).
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let group = UInt32(bytes[i]) << 16 | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            for k in 0..<4 {
                out.append(k <= n ? alphabet[Int((group >> (18 - 6 * UInt32(k))) & 0x3F)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func urlSafe(_ base64: String) -> String {
        String(base64.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
