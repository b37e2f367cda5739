/// Host ids are UUIDs (`8-4-4-4-12` hex digits); they compare in lower case.
public enum HostID {
    /// The id in lower case, or nil when the text is not a UUID.
    public static func normalize(_ text: String) -> String? {
        let b = Array(text.utf8)
        guard b.count == 36 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                out.append(c)
                continue
            }
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): out.append(c)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(c + 32)
            default: return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
