/// An IPv4 or IPv6 address as 16 bytes (IPv4 as `::ffff:a.b.c.d`, so one form compares
/// both families), with the classes the operator's network allow-list treats specially.
public struct NetworkAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in network order; IPv4 is mapped into `::ffff:0:0/96`.
    public let bytes: [UInt8]

    /// An address from its 16 bytes (IPv4-mapped for IPv4).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// An IPv4 address from its 4 bytes.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d]
    }

    /// True for an IPv4 address (mapped).
    public var isIPv4: Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF }

    /// `a.b.c.d`, or the IPv6 text in its shortest form.
    public var description: String {
        if isIPv4 { return bytes[12...].map(String.init).joined(separator: ".") }
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) }
        // The longest run of two or more zero groups becomes "::".
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = { (g: UInt16) in String(g, radix: 16) }
        guard best.length >= 2 else { return groups.map(hex).joined(separator: ":") }
        let head = groups[..<best.start].map(hex).joined(separator: ":")
        let tail = groups[(best.start + best.length)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }

    /// Parses a literal address: dotted IPv4 (`10.0.0.1`) or IPv6 (`fe80::1`, `::ffff:1.2.3.4`),
    /// optionally in brackets. Only the canonical dotted-quad form of IPv4 is an address here;
    /// `2130706433` or `0x7f.1` are not (a resolver may still turn such a name into one, which
    /// is why the allow-list is checked against resolved addresses).
    public static func parse(_ text: String) -> NetworkAddress? {
        var s = Substring(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if let v4 = parseIPv4(s) { return NetworkAddress(ipv4: v4[0], v4[1], v4[2], v4[3]) }
        return parseIPv6(s)
    }

    static func parseIPv4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  !(p.count > 1 && p.hasPrefix("0")), let n = Int(p), n <= 255 else { return nil }
            out.append(UInt8(n))
        }
        return out
    }

    static func parseIPv6(_ s: Substring) -> NetworkAddress? {
        guard s.contains(":"), s.count <= 45, !s.contains("%") else { return nil }
        var halves: [String] = []
        if let r = s.firstRange(of: "::") {
            halves = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            guard !halves[1].contains("::") else { return nil }
        } else {
            halves = [String(s)]
        }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var out: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, allowIPv4Tail, f.contains("."), let v4 = parseIPv4(f) {
                    out += v4
                    continue
                }
                guard !f.isEmpty, f.count <= 4, let n = UInt16(f, radix: 16) else { return nil }
                out += [UInt8(n >> 8), UInt8(n & 0xFF)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 16 else { return nil }
            return NetworkAddress(bytes: all)
        }
        guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
              head.count + tail.count <= 14 else { return nil }
        return NetworkAddress(bytes: head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail)
    }

    /// What kind of destination an address is, for the allow-list.
    public enum Kind: String, Sendable, Hashable {
        /// 127.0.0.0/8 and ::1.
        case loopback
        /// 169.254.0.0/16 and fe80::/10 (cloud metadata lives here too).
        case linkLocal = "link-local"
        /// A cloud provider's metadata service (169.254.169.254, fd00:ec2::254, ...).
        case metadata = "cloud metadata"
        /// 0.0.0.0/8 and :: (on Linux a connection to it reaches the local machine).
        case unspecified = "unspecified (0.0.0.0)"
        /// Anything else: reachable only where `network.allow` covers it.
        case ordinary
    }

    /// The class of this address (metadata before link-local: it is both). An address of
    /// the NAT64 prefix (`64:ff9b::/96`, RFC 6052) is the class of the IPv4 address it
    /// carries: through a NAT64 gateway `64:ff9b::a9fe:a9fe` is 169.254.169.254.
    public var kind: Kind {
        if NetworkRange.nat64.contains(self) {
            return NetworkAddress(ipv4: bytes[12], bytes[13], bytes[14], bytes[15]).kind
        }
        if NetworkRange.metadata.contains(where: { $0.contains(self) }) { return .metadata }
        if NetworkRange.loopback.contains(where: { $0.contains(self) }) { return .loopback }
        if NetworkRange.unspecified.contains(where: { $0.contains(self) }) { return .unspecified }
        if NetworkRange.linkLocal.contains(where: { $0.contains(self) }) { return .linkLocal }
        return .ordinary
    }
}

/// An address range in CIDR form (`10.0.0.0/8`, `fd00::/8`, or one address).
public struct NetworkRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range.
    public let base: NetworkAddress
    /// The prefix length in the 128-bit form (IPv4's /8 is /104 here).
    public let prefixLength: Int

    /// The range `base/prefixLength` in the 128-bit form; bits past the prefix are cleared.
    public init(base: NetworkAddress, prefixLength: Int) {
        let length = max(0, min(128, prefixLength))
        var b = base.bytes
        for i in 0..<16 {
            let keep = max(0, min(8, length - i * 8))
            b[i] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        self.base = NetworkAddress(bytes: b)!
        self.prefixLength = length
    }

    /// Parses `ADDRESS` or `ADDRESS/LENGTH` (0–32 for IPv4, 0–128 for IPv6).
    public static func parse(_ text: String) -> NetworkRange? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = NetworkAddress.parse(String(parts[0])) else { return nil }
        let bits = address.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var length = bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let n = Int(parts[1]), n <= bits else { return nil }
            length = n
        }
        return NetworkRange(base: address, prefixLength: bits == 32 ? length + 96 : length)
    }

    /// True when `address` is in the range.
    public func contains(_ address: NetworkAddress) -> Bool {
        NetworkRange(base: address, prefixLength: prefixLength).base == base
    }

    /// True when every address of `other` is in this range.
    public func contains(_ other: NetworkRange) -> Bool {
        other.prefixLength >= prefixLength && contains(other.base)
    }

    public var description: String {
        base.isIPv4 && prefixLength >= 96 ? "\(base)/\(prefixLength - 96)" : "\(base)/\(prefixLength)"
    }

    static let loopback = [parse("127.0.0.0/8")!, parse("::1/128")!]
    static let linkLocal = [parse("169.254.0.0/16")!, parse("fe80::/10")!]
    static let unspecified = [parse("0.0.0.0/8")!, parse("::/128")!]
    static let nat64 = parse("64:ff9b::/96")!
    /// AWS, GCP, Azure, OpenStack and DigitalOcean (169.254.169.254), AWS ECS (169.254.170.2),
    /// AWS over IPv6 (fd00:ec2::254), Alibaba (100.100.100.200), Oracle (192.0.0.192).
    static let metadata = ["169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32"].map { parse($0)! }

    /// The special range an address of `kind` falls in (for "name it to allow it").
    static func ranges(of kind: NetworkAddress.Kind) -> [NetworkRange] {
        switch kind {
        case .loopback: return loopback
        case .linkLocal: return linkLocal
        case .metadata: return metadata
        case .unspecified: return unspecified
        case .ordinary: return []
        }
    }
}
