extension JSON {
    /// The RFC 8785 (JSON Canonicalization Scheme) serialization: members sorted by the
    /// UTF-16 code units of their keys, no white space, strings escaped minimally, and
    /// numbers written as ECMAScript writes them. Integers that fit 64 bits are written
    /// with every digit (identical to RFC 8785 up to 2^53, exact beyond it).
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        writeCanonical(into: &out)
        return out
    }

    /// The canonical serialization as a string.
    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// Appends the canonical serialization to `out`.
    public func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d): out.append(contentsOf: ECMAScriptNumber.format(d).utf8)
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.count < 2 ? members : JSON.sortedForCanonicalForm(members)
            for (i, m) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                m.value.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members in RFC 8785 order: by the UTF-16 code units of their keys (section 3.2.3).
    /// When every key is ASCII, byte order is the same order and much cheaper; members
    /// already in order (as most objects this program builds are) are returned as they are.
    static func sortedForCanonicalForm(_ members: [Member]) -> [Member] {
        var ascii = true
        for m in members {
            var key = m.key
            if key.withUTF8({ $0.contains(where: { $0 >= 0x80 }) }) {
                ascii = false
                break
            }
        }
        guard ascii else { return members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) } }
        // Swift orders ASCII strings by their bytes, and compares them fast.
        for i in members.indices.dropFirst() where !(members[i - 1].key < members[i].key) {
            return members.sorted { $0.key < $1.key }
        }
        return members
    }

    /// RFC 8785's order of member names: by their UTF-16 code units.
    public static func canonicalOrder(_ a: String, _ b: String) -> Bool { a.utf16.lexicographicallyPrecedes(b.utf16) }

    /// A JSON string literal with RFC 8785's escaping: `"` and `\` escaped, the control
    /// characters with short escapes where JSON has them and `\u00xx` otherwise, all other
    /// characters as themselves.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let plain = s.withUTF8 { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Human-readable JSON: two-space indentation, members in their built order, a newline
    /// at the end. Short arrays of scalars stay on one line.
    public func pretty() -> String {
        var out: [UInt8] = []
        writePretty(into: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    private func writePretty(into out: inout [UInt8], indent: Int) {
        switch self {
        case .array(let elements) where !elements.isEmpty:
            if elements.count <= 16, elements.allSatisfy(\.isScalar) {
                out.append(UInt8(ascii: "["))
                for (i, e) in elements.enumerated() {
                    if i > 0 { out.append(contentsOf: ", ".utf8) }
                    e.writeCanonical(into: &out)
                }
                out.append(UInt8(ascii: "]"))
                return
            }
            out.append(contentsOf: "[\n".utf8)
            for (i, e) in elements.enumerated() {
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent + 2))
                e.writePretty(into: &out, indent: indent + 2)
                out.append(contentsOf: (i + 1 < elements.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            for (i, m) in members.enumerated() {
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent + 2))
                JSON.writeString(m.key, into: &out)
                out.append(contentsOf: ": ".utf8)
                m.value.writePretty(into: &out, indent: indent + 2)
                out.append(contentsOf: (i + 1 < members.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
            out.append(UInt8(ascii: "}"))
        default:
            writeCanonical(into: &out)
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}
