import Hashing
import Policy

/// The idempotency key of an action on a target: the SHA-256 of the canonical JSON of the
/// capability, the host and the target, the capability's key fields (`verb`, `params.state`, ...) and the
/// action's key hint. The same action on the same target within the idempotency window
/// runs once.
public enum IdempotencyKey {
    /// The key, as 64 hex digits.
    public static func make(action: PlannedAction, hostID: String, targetID: String, catalog: CapabilityCatalog = .builtIn) -> String {
        var members: [JSON.Member] = [.init("capability", .string(action.capability)), .init("host", .string(hostID)), .init("target", .string(targetID))]
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
        return SHA256.hash(JSON.object(members).canonicalBytes).hex
    }
}
