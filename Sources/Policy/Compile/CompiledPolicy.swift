public import Hashing

/// A policy compiled into the IR of SPEC section 5: everything the engine needs, nothing
/// that changes from run to run. Its canonical bytes are its address in the store.
public struct CompiledPolicy: Sendable {
    /// The stable id.
    public var policyID: String
    /// The validated spec.
    public var spec: PolicySpec
    /// SHA-256 of the canonical normalized spec.
    public var hash: SHA256Digest
    /// 1 for the first spec, one more each time the normalized spec changed along the
    /// first-parent history.
    public var versionInt: Int

    /// The IR format's version.
    public static let irVersion: Int64 = 1

    /// Creates a compiled policy.
    public init(policyID: String, spec: PolicySpec, hash: SHA256Digest, versionInt: Int) {
        self.policyID = policyID
        self.spec = spec
        self.hash = hash
        self.versionInt = versionInt
    }

    /// The IR object.
    public var ir: JSON {
        let selector = spec.targets.selector
        var targets: [JSON.Member] = [
            .init("host_id", .string(spec.targets.hostID)),
            .init("target_type", .string(spec.targets.targetType.rawValue)),
            .init("selector", .object(["mode": .string(selector.mode.rawValue), "value": .string(selector.value)])),
            .init("resolved_ids", .array(selector.staticIDs.map(JSON.string))),
        ]
        if !selector.inventoryRanges.isEmpty {
            targets.append(.init("inventory_ranges", .array(selector.inventoryRanges.map {
                .object(["from": .string($0.from.description), "to": .string($0.to.description)])
            })))
        }
        var members: [JSON.Member] = []
        if let notes = spec.notes { members.append(.init("notes", .string(notes))) }
        return .object(members + JSON.members([
            "ir_version": .integer(Self.irVersion),
            "policy_id": .string(policyID),
            "name": .string(spec.name),
            "hash": .string(hash.hex),
            "version_int": .integer(Int64(versionInt)),
            "enabled": .bool(spec.enabled),
            "priority": .integer(spec.priority),
            "stop_on_match": .bool(spec.stopOnMatch),
            "dynamic_resolution": .bool(spec.dynamicResolution),
            "match": .object([
                "logic": .string(spec.triggerGroup.logic.rawValue),
                "triggers": .array(spec.triggerGroup.triggers.map(\.normalized)),
                "conditions": .array(spec.conditions.map(\.normalized)),
            ]),
            "targets": .object(targets),
            "plan": .array(spec.actions.map { a in
                .object(["capability": .string(a.capabilityID), "verb": .string(a.verb), "params": a.params,
                         "key_hint": a.keyHint.map(JSON.string) ?? .null])
            }),
            "windows": .object([
                "suppression_s": .integer(spec.suppressionWindow.seconds),
                "idempotency_s": .integer(spec.idempotencyWindow.seconds),
            ]),
        ]))
    }
}
