import Hashing

/// How a policy is identified across commits.
///
/// `policy_id` is derived from the file's path relative to the policy repository, so it is
/// stable across commits and clones and needs no registry: the first 16 bytes of
/// SHA-256("policyops/policy-id/v1\0" + path), shaped as a version-8 UUID (RFC 9562).
/// Renaming or moving a file makes a new policy (the old one is pruned).
public enum PolicyIdentity {
    /// The policy id of the file at `path`.
    public static func policyID(path: String) -> String {
        var digest = SHA256.hash(Array("policyops/policy-id/v1\u{0}".utf8) + Array(path.utf8)).bytes
        digest[6] = (digest[6] & 0x0F) | 0x80  // version 8
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = Array(Hex.encode(digest[0..<16]).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, c) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
