import Hashing
import Policy

/// The idempotency key of an action on a target: the SHA-256 of the canonical JSON of the
/// capability, the host and the target, the capability's key fields (`verb`, `params.state`, ...) and the
/// action's key hint. The same action on the same target within the idempotency window
/// runs once.
public struct IdempotencyKey: Sendable {
    /// The canonical JSON up to the target's value, and after it.
    let prefix: [UInt8]
    let suffix: [UInt8]

    /// The keys of one action on one host, for any target: the parts of the canonical JSON
    /// that do not depend on the target are written once.
    public init(action: PlannedAction, hostID: String, catalog: CapabilityCatalog = .builtIn) {
        var members: [JSON.Member] = [.init("capability", .string(action.capability)), .init("host", .string(hostID))]
        let fields = catalog.capability(action.capability)?.idempotencyKeyFields ?? ["verb"]
        for field in fields {
            if field == "verb" {
                members.append(.init("verb", .string(action.verb)))
            } else if field.hasPrefix("params.") {
                let name = String(field.dropFirst(7))
                members.append(.init(field, action.params[name] ?? .null))
            }
        }
        members.append(.init("key_hint", action.keyHint.map(JSON.string) ?? .null))
        // Canonical order is byte order for these ASCII keys: the members before "target"
        // and those after it serialize apart, and the target's value goes between them.
        let before = members.filter { $0.key.utf8.lexicographicallyPrecedes("target".utf8) }
        let after = members.filter { !$0.key.utf8.lexicographicallyPrecedes("target".utf8) }
        var prefix = JSON.object(before).canonicalBytes.dropLast()  // without "}"
        if !before.isEmpty { prefix.append(UInt8(ascii: ",")) }
        prefix += Array("\"target\":".utf8)
        var suffix = Array(JSON.object(after).canonicalBytes.dropFirst())  // without "{"
        if !after.isEmpty { suffix.insert(UInt8(ascii: ","), at: 0) }
        self.prefix = Array(prefix)
        self.suffix = suffix
    }

    /// The key of the action on `targetID`, as 64 hex digits.
    public func key(targetID: String) -> String {
        var id = targetID
        return id.withUTF8 { target in
            // Target ids are plain text: written between quotes as they are, on the stack.
            guard !target.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                var bytes = prefix
                JSON.writeString(targetID, into: &bytes)
                bytes += suffix
                return SHA256.hex(bytes)
            }
            let count = prefix.count + target.count + 2 + suffix.count
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
                var i = 0
                func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                    for b in bytes {
                        buffer[i] = b
                        i += 1
                    }
                }
                prefix.withUnsafeBufferPointer(put)
                buffer[i] = UInt8(ascii: "\"")
                i += 1
                put(target)
                buffer[i] = UInt8(ascii: "\"")
                i += 1
                suffix.withUnsafeBufferPointer(put)
                return SHA256.hex(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[0..<i])))
            }
        }
    }

    /// The key of one action on one target, as 64 hex digits.
    public static func make(action: PlannedAction, hostID: String, targetID: String, catalog: CapabilityCatalog = .builtIn) -> String {
        IdempotencyKey(action: action, hostID: hostID, catalog: catalog).key(targetID: targetID)
    }
}
