import Testing
import Hashing
@testable import Engine
@testable import Policy

@Suite struct IdempotencyKeyTests {
    /// The key is the SHA-256 of the canonical JSON of the key's members, whatever the
    /// key fields of the capability and whatever the target's id holds.
    @Test(arguments: [
        ("sim.vm", "shutdown", JSON.object([:]), nil as String?),
        ("sim.poe.port", "set", JSON.object(["state": .string("off")]), "drill-7"),
        ("proxmox.vm", "shutdown", JSON.object(["grace_s": .integer(60)]), "ünïcode \"quoted\""),
        ("aoss.poe.port", "set", JSON.object(["state": .string("cycle")]), nil),
    ])
    func keyIsTheHashOfTheCanonicalMembers(capability: String, verb: String, params: JSON, hint: String?) {
        let action = PlannedAction(policyID: "p", capability: capability, verb: verb, params: params, keyHint: hint)
        let maker = IdempotencyKey(action: action, hostID: "host-1")
        for target in ["vm:104", "poe-port:1/A1", "we\"ird\\id\u{1}", "ü"] {
            var members: [JSON.Member] = [.init("capability", .string(capability)), .init("host", .string("host-1")), .init("target", .string(target)),
                                          .init("key_hint", hint.map(JSON.string) ?? .null)]
            for field in CapabilityCatalog.builtIn.capability(capability)?.idempotencyKeyFields ?? ["verb"] {
                if field == "verb" { members.append(.init("verb", .string(verb))) }
                if field.hasPrefix("params.") { members.append(.init(field, params[String(field.dropFirst(7))] ?? .null)) }
            }
            let expected = SHA256.hash(JSON.object(members).canonicalBytes).hex
            #expect(maker.key(targetID: target) == expected)
        }
        #expect(maker.key(targetID: "vm:1") != IdempotencyKey(action: action, hostID: "host-2").key(targetID: "vm:1"))
    }
}
