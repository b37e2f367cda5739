/// Percent-encoding of what drivers put into a URL's path (RFC 3986 §3.3): an id is one
/// segment, so a `/` inside it (`1/1`, a stacked switch's port) is `%2F`, never a separator.
enum URLPath {
    /// One path segment: every byte but the unreserved characters (`A-Z a-z 0-9 - . _ ~`) is
    /// percent-encoded, `/` included.
    static func segment(_ text: String) -> String {
        encode(text) { isUnreserved($0) }
    }

    /// A path whose `/` are separators (a webhook's `path`): what a path may not hold is
    /// percent-encoded (space, `?`, `#`, `%` not starting an escape, non-ASCII); `/`, the
    /// characters a segment allows and escapes already written (`%20`) stay as they are.
    static func path(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.count, isHexDigit(bytes[i + 1]), isHexDigit(bytes[i + 2]) {
                out += bytes[i...(i + 2)]
                i += 3
                continue
            }
            if b == UInt8(ascii: "/") || isPathCharacter(b) { out.append(b) } else { out += escape(b) }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        for b in text.utf8 {
            if keep(b) { out.append(b) } else { out += escape(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ b: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 0xF)]]
    }

    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): return true
        default: return false
        }
    }

    /// `pchar` without `pct-encoded`: unreserved, sub-delims, `:` and `@`.
    static func isPathCharacter(_ b: UInt8) -> Bool {
        isUnreserved(b) || Array("!$&'()*+,;=:@".utf8).contains(b)
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "a")...UInt8(ascii: "f"): return true
        default: return false
        }
    }
}
