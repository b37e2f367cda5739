/// Where a client may connect: asked about a URL's host before it is resolved (`address`
/// nil, so a name can be refused without a lookup), and about every address libcurl is
/// about to connect to, after its own resolution — each address of each attempt, redirects
/// aside (they are never followed). A refused address is never connected.
///
/// HTTP knows nothing of the operator's configuration: a driver builds one of these from
/// it. Connections are kept open per check (`key`): one opened under a wider check never
/// serves a client whose check is narrower.
public struct DestinationCheck: Sendable {
    /// What the check allows, as text: clients with the same key share kept connections,
    /// so two checks that decide differently must have different keys.
    public let key: String
    /// Why a connection to `address` (16 bytes, IPv4 as `::ffff:a.b.c.d`) of `host` (as
    /// libcurl reads the URL: IPv4 normalized, IPv6 without brackets) is refused; nil
    /// allows it. With `address` nil, asked of the name alone, before it is resolved.
    public let refusal: @Sendable (_ host: String, _ address: [UInt8]?) -> String?

    /// A check of this key that refuses as `refusal` says.
    public init(key: String, refusal: @escaping @Sendable (_ host: String, _ address: [UInt8]?) -> String?) {
        self.key = key
        self.refusal = refusal
    }

    /// Every destination allowed: for tests of the client itself, never for a driver.
    public static let unchecked = DestinationCheck(key: "unchecked") { _, _ in nil }
}
