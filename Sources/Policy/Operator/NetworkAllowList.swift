/// Where drivers may connect: the operator's `network` section. A destination is allowed
/// when a range covers its address or a name rule names its host; loopback, link-local,
/// cloud metadata and the unspecified address are special: a broad range (`0.0.0.0/0`)
/// never opens them, only `allow_loopback` or a range inside the special one (naming
/// `169.254.10.0/24` opens exactly that part of link-local).
public struct NetworkAllowList: Sendable, Hashable {
    /// Address ranges.
    public var ranges: [NetworkRange]
    /// Host names, lower case; `*.lab.example` covers every name under `lab.example`.
    public var names: [String]
    /// True lets drivers reach 127.0.0.0/8 and ::1.
    public var allowLoopback: Bool

    /// Nothing allowed: the default without an operator's configuration.
    public static let none = NetworkAllowList(ranges: [], names: [], allowLoopback: false)

    /// An allow-list of these ranges and names.
    public init(ranges: [NetworkRange], names: [String], allowLoopback: Bool) {
        self.ranges = ranges
        self.names = names.map { $0.lowercased() }
        self.allowLoopback = allowLoopback
    }

    /// Names of cloud metadata services, refused unless named exactly in `allow`.
    public static let metadataNames: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.internal",
        "instance-data", "instance-data.ec2.internal", "metadata.packet.net", "metadata.platformequinix.com",
    ]

    /// Why a destination is refused; nil when it is allowed.
    public struct Refusal: Sendable, Hashable, CustomStringConvertible {
        /// The host as written (a name or an address).
        public var host: String
        /// The address the host resolved to, when an address was refused.
        public var address: NetworkAddress?
        /// The class of the refused address (`ordinary` for one outside every range).
        public var kind: NetworkAddress.Kind

        public var description: String {
            let at = address.map { a in a.description == host ? host : "\(host) (\(a))" } ?? host
            switch kind {
            case .ordinary:
                return "the operator's configuration does not allow connections to \(at): add its address or name to network.allow"
            case .loopback:
                return "\(at) is loopback, refused unless the operator's configuration sets network.allow_loopback"
            case .metadata:
                return "\(at) is a cloud metadata service, refused unless the operator's configuration names it in network.allow"
            case .linkLocal, .unspecified:
                return "\(at) is \(kind.rawValue), refused unless the operator's configuration names a range inside it in network.allow"
            }
        }
    }

    /// Checks a connection to `host` (as written in the URL, without brackets) that
    /// resolved to `address`.
    public func check(host rawHost: String, address: NetworkAddress) -> Refusal? {
        if let refusal = checkName(rawHost) { return refusal }
        let kind = address.kind
        switch kind {
        case .ordinary:
            let host = Self.normalized(rawHost)
            if names.contains(where: { Self.matches(rule: $0, host) }) || ranges.contains(where: { $0.contains(address) }) { return nil }
        case .loopback where allowLoopback:
            return nil
        default:
            // Only a range inside the special one opens it; a name never does.
            let special = NetworkRange.ranges(of: kind)
            if ranges.contains(where: { r in r.contains(address) && special.contains { $0.contains(r) } }) { return nil }
        }
        return Refusal(host: rawHost, address: address, kind: kind)
    }

    /// Checks a host name before it is resolved: a metadata name is refused by name.
    public func checkName(_ rawHost: String) -> Refusal? {
        let host = Self.normalized(rawHost)
        if Self.metadataNames.contains(host), !names.contains(host) { return Refusal(host: rawHost, address: nil, kind: .metadata) }
        return nil
    }

    /// A host name as rules compare it: lower case, without the root's trailing dot.
    static func normalized(_ rawHost: String) -> String {
        var host = rawHost.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }

    static func matches(rule: String, _ host: String) -> Bool {
        if rule.hasPrefix("*.") { return host.hasSuffix(rule.dropFirst()) && host.count > rule.count - 1 }
        return rule == host
    }

    /// The allow-list for UPS servers: loopback allowed as well (upsd usually runs there).
    public var forUPSServers: NetworkAllowList {
        var list = self
        list.allowLoopback = true
        return list
    }
}
