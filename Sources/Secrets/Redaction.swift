/// Keeps secrets out of what a command or a server sends back: a value is replaced by
/// `<secret>` wherever it appears, and so are the forms a program makes of it with one
/// ordinary tool — base64 (standard and URL-safe, with and without padding, also of the value
/// with the newline `echo` adds, and at any offset in a longer encoded text), hex (lower and
/// upper case) and reversed. Matching is on bytes, so a combining mark printed after a value
/// does not hide it, and across line breaks, so a wrapped encoding does not either.
public enum Redaction {
    /// What a secret is replaced by.
    public static let placeholder = "<secret>"

    /// Derived forms shorter than this are not looked for (they would match ordinary text).
    static let shortestForm = 4
    /// The offset-independent middle of a base64 encoding is looked for from this length.
    static let shortestCore = 8

    /// The byte strings that give `value` away, longest first (so a form is replaced before
    /// a shorter one inside it); none for an empty value.
    public static func forms(of value: String) -> [[UInt8]] {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { return [] }
        var found: Set<[UInt8]> = [bytes]
        func add(_ form: [UInt8], atLeast minimum: Int = shortestForm) {
            if form.count >= minimum { found.insert(form) }
        }
        add(Array(String(value.reversed()).utf8))
        add(bytes.reversed())
        add(hex(bytes, upper: false))
        add(hex(bytes, upper: true))
        for payload in [bytes, bytes + [0x0A]] {
            for alphabet in [standard, urlSafe] {
                let padded = base64(payload, alphabet: alphabet)
                add(padded)
                add(Array(padded.prefix { $0 != UInt8(ascii: "=") }))
            }
        }
        // In a longer text the value starts at byte offset 0, 1 or 2 of a 3-byte group; the
        // characters that depend on the value alone are the same wherever the text goes on.
        for offset in 0..<3 {
            let encoded = base64([UInt8](repeating: 0, count: offset) + bytes, alphabet: standard)
            let start = (8 * offset + 5) / 6, end = 8 * (offset + bytes.count) / 6
            guard end > start else { continue }
            let core = Array(encoded[start..<end])
            add(core, atLeast: shortestCore)
            add(core.map { urlSafe[standardIndex[Int($0)]] }, atLeast: shortestCore)
        }
        return found.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
    }

    /// `text` with every form of every value in `values` replaced by `<secret>`.
    public static func redact(_ text: String, values: some Sequence<String>) -> String {
        String(decoding: redact(Array(text.utf8), values: values), as: UTF8.self)
    }

    /// `bytes` with every form of every value in `values` replaced by `<secret>`. Line
    /// breaks inside a form do not hide it (`base64` wraps at 76 columns): a form is looked
    /// for in the text without its CR and LF, and what it covers, breaks and all, is replaced.
    public static func redact(_ bytes: [UInt8], values: some Sequence<String>) -> [UInt8] {
        let all = Set(values.flatMap { forms(of: $0) })
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        guard !all.isEmpty else { return bytes }
        // The text without line breaks, and where each of its bytes is in the original.
        let kept = bytes.indices.filter { bytes[$0] != 0x0A && bytes[$0] != 0x0D }
        let joined = kept.map { bytes[$0] }
        // The first original index of each match, and the last one (inclusive).
        var covered = [Bool](repeating: false, count: joined.count)
        var spans: [(Int, Int)] = []
        for form in all {
            var i = 0
            while i + form.count <= joined.count {
                if joined[i] == form[0], !covered[i], !covered[i + form.count - 1], joined[i..<(i + form.count)].elementsEqual(form),
                   !covered[i..<(i + form.count)].contains(true) {
                    for k in i..<(i + form.count) { covered[k] = true }
                    spans.append((kept[i], kept[i + form.count - 1]))
                    i += form.count
                } else {
                    i += 1
                }
            }
        }
        guard !spans.isEmpty else { return bytes }
        spans.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var next = 0
        for (start, end) in spans {
            out += bytes[next..<start]
            out += placeholder.utf8
            next = end + 1
        }
        out += bytes[next...]
        return out
    }

    static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// A standard base64 character's index in the alphabet.
    static let standardIndex: [Int] = {
        var index = [Int](repeating: 0, count: 256)
        for (i, c) in standard.enumerated() { index[Int(c)] = i }
        return index
    }()

    /// RFC 4648 base64 of `bytes`, padded with `=`.
    static func base64(_ bytes: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            for k in 0..<4 {
                out.append(k <= n ? alphabet[Int((group >> (18 - 6 * UInt32(k))) & 0x3F)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return out
    }

    static func hex(_ bytes: [UInt8], upper: Bool) -> [UInt8] {
        let digits = Array((upper ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }
    }
}
