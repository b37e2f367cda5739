import Hashing

extension CompiledPolicy {
    /// Why an IR object cannot be used.
    public struct IRError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads an IR object back. The spec is rebuilt from the IR, validated like any policy
    /// file and its hash checked against the IR's: an object that is not exactly what a
    /// compilation produced is refused.
    public init(ir: JSON, catalog: CapabilityCatalog = .builtIn) throws(IRError) {
        func fail(_ m: String) -> IRError { IRError(message: m) }
        guard ir["ir_version"]?.integerValue == Self.irVersion else { throw fail("unsupported IR version") }
        guard let policyID = ir["policy_id"]?.stringValue, let name = ir["name"]?.stringValue,
              let hashText = ir["hash"]?.stringValue, let hash = SHA256Digest(hex: hashText),
              let version = ir["version_int"]?.integerValue, let match = ir["match"], let targets = ir["targets"],
              let plan = ir["plan"]?.arrayValue, let windows = ir["windows"],
              let suppression = windows["suppression_s"]?.integerValue, let idempotency = windows["idempotency_s"]?.integerValue
        else { throw fail("IR object lacks a field") }
        var spec: [JSON.Member] = [
            .init("version", .integer(1)), .init("name", .string(name)),
            .init("enabled", ir["enabled"] ?? .bool(true)), .init("priority", ir["priority"] ?? .integer(0)),
            .init("stop_on_match", ir["stop_on_match"] ?? .bool(false)),
            .init("dynamic_resolution", ir["dynamic_resolution"] ?? .bool(true)),
            .init("trigger_group", .object(["logic": match["logic"] ?? .string("ANY"), "triggers": match["triggers"] ?? .array([])])),
            .init("conditions", .object(["all": match["conditions"] ?? .array([])])),
            .init("targets", .object(["host_id": targets["host_id"] ?? .null, "target_type": targets["target_type"] ?? .null,
                                      "selector": targets["selector"] ?? .null])),
            .init("actions", .array(plan.map { step in
                .object(["capability_id": step["capability"] ?? .null, "verb": step["verb"] ?? .null,
                         "params": step["params"] ?? .object([]), "idempotency": .object(["key_hint": step["key_hint"] ?? .null])])
            })),
            .init("suppression_window", .string(PolicyDuration(seconds: suppression).canonical)),
            .init("idempotency_window", .string(PolicyDuration(seconds: idempotency).canonical)),
        ]
        if let notes = ir["notes"]?.stringValue { spec.append(.init("notes", .string(notes))) }
        let analysis = PolicyFileAnalysis.analyze(path: "ir", bytes: JSON.object(spec).canonicalBytes, catalog: catalog)
        guard let parsed = analysis.spec else {
            throw fail("IR object does not rebuild a valid spec: \(analysis.diagnostics.first?.message ?? "")")
        }
        guard SHA256.hash(parsed.canonicalBytes) == hash else {
            throw fail("IR object of \(policyID) does not match its spec hash")
        }
        self.init(policyID: policyID, spec: parsed, hash: hash, versionInt: Int(version))
    }
}
