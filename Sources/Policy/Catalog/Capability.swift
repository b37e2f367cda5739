/// What a driver can do to targets of some types: its verbs, their parameters and inverses.
/// This is the driver manifest of SPEC section 7.
public struct Capability: Sendable, Hashable {
    /// One verb of a capability.
    public struct Verb: Sendable, Hashable {
        /// The verb's name, such as `shutdown`.
        public var name: String
        /// The verb that undoes it, if any (`start` for `shutdown`).
        public var inverse: String?
        /// The parameters it takes.
        public var parameters: [ParameterSpec]
        /// True when the verb interrupts service (shutdown, stop, reset, PoE off).
        public var disruptive: Bool
    }

    /// The capability id, such as `proxmox.vm`; part of the contract.
    public var id: String
    /// The driver that provides it.
    public var driver: DriverKind
    /// The target types it acts on.
    public var targetTypes: [TargetType]
    /// Its verbs.
    public var verbs: [Verb]
    /// The fields that make up an action's idempotency key, besides the target.
    public var idempotencyKeyFields: [String]
    /// Dry-run before execution: always required for built-in drivers.
    public var dryRunRequired: Bool
    /// How long a fast inventory refresh may take before it counts as stale, in seconds.
    public var dryRunRefreshSLASeconds: Int

    /// The verb named `name`.
    public func verb(_ name: String) -> Verb? { verbs.first { $0.name == name } }

    /// The `invertible` map of the manifest: verb → inverse verb.
    public var invertible: [String: String] {
        var map: [String: String] = [:]
        for v in verbs { if let inv = v.inverse { map[v.name] = inv } }
        return map
    }

    /// The manifest as JSON, as `policyops` prints it.
    public var manifest: JSON {
        .object([
            "id": .string(id),
            "driver": .string(driver.rawValue),
            "verbs": .array(verbs.map { .string($0.name) }),
            "target_types": .array(targetTypes.map { .string($0.rawValue) }),
            "params": .object(verbs.map { verb in
                JSON.Member(verb.name, .object(verb.parameters.map { p in
                    var members: [JSON.Member] = [JSON.Member("type", .string(p.typeName)), JSON.Member("required", .bool(p.required))]
                    if let d = p.defaultValue { members.append(JSON.Member("default", d)) }
                    return JSON.Member(p.name, .object(members))
                }))
            }),
            "invertible": .object(invertible.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) }),
            "idempotency": .object(["key_fields": .array(idempotencyKeyFields.map { .string($0) })]),
            "dry_run": .string(dryRunRequired ? "required" : "optional"),
            "defaults": .object(["dry_run_refresh_sla_s": .integer(Int64(dryRunRefreshSLASeconds))]),
        ])
    }
}

extension ParameterSpec {
    var typeName: String {
        switch kind {
        case .integer: return "integer"
        case .bool: return "boolean"
        case .oneOf, .string: return "string"
        case .nonEmptyStringArray: return "array"
        case .object: return "object"
        }
    }
}
