/// Validates one policy document against Policy Spec v1 (SPEC sections 3, 7 and 13),
/// reporting every problem, and builds the spec with defaults filled in when nothing blocks.
final class PolicySpecReader {
    let checker: DocumentChecker
    let defaults: PolicyDefaults
    let catalog: CapabilityCatalog
    // Where the host, capabilities and name were written, set by the reader's parts.
    var hostReference: SourceReference?
    var capabilityReferences: [SourceReference] = []
    var nameReference: SourceReference?

    init(checker: DocumentChecker, defaults: PolicyDefaults, catalog: CapabilityCatalog) {
        self.checker = checker
        self.defaults = defaults
        self.catalog = catalog
    }

    static let topLevelFields = [
        "$schema", "version", "name", "enabled", "priority", "stop_on_match", "dynamic_resolution", "trigger_group",
        "conditions", "targets", "actions", "suppression_window", "idempotency_window", "notes",
    ]

    func read() -> PolicySpec? {
        guard let document = checker.readJSON() else { return nil }
        guard let root = checker.fields(document, at: .root, what: "a policy file") else { return nil }
        if let pending = root.member("needs_input") {
            // An inverse written by `policyops inverse`, not finished yet.
            var pointers: [String] = []
            if case .array(let items) = pending.value.kind { for i in items { if case .string(let p) = i.kind { pointers.append(p) } } }
            checker.report(.unknownField, at: pending.keyOffset, root.pointer.appending("needs_input"),
                           "this policy still needs a person at \(pointers.isEmpty ? "the places needs_input lists" : pointers.joined(separator: ", ")) (it was written by policyops inverse): fill them in, then delete needs_input")
        }
        root.rejectUnknown(allowed: Self.topLevelFields + (root.has("needs_input") ? ["needs_input"] : []), what: "a policy")
        _ = root.string("$schema")
        if let version = root.integer("version", required: true), version != 1 {
            checker.report(.unsupportedVersion, root.member("version")!.value, root.pointer.appending("version"),
                           "\"version\" is \(version); this PolicyOps reads Policy Spec version 1")
        }
        let name = readName(root)
        let enabled = root.bool("enabled") ?? true
        let priority = root.integer("priority") ?? 0
        let stopOnMatch = root.bool("stop_on_match") ?? false
        let dynamicResolution = root.bool("dynamic_resolution") ?? true
        let triggerGroup = root.object("trigger_group", required: true).flatMap(readTriggerGroup)
        let conditions = readConditions(root)
        let targets = root.object("targets", required: true).flatMap(readTargets)
        let actions = readActions(root, targetType: targets?.targetType ?? targetTypeIfValid(root))
        let suppression = root.duration("suppression_window") ?? defaults.suppressionWindow
        let idempotency = root.duration("idempotency_window") ?? defaults.idempotencyWindow
        let notes = root.string("notes")

        guard !checker.hasBlocker, let name, let triggerGroup, let conditions, let targets, let actions else { return nil }
        return PolicySpec(name: name, enabled: enabled, priority: priority, stopOnMatch: stopOnMatch,
                          dynamicResolution: dynamicResolution, triggerGroup: triggerGroup, conditions: conditions,
                          targets: targets, actions: actions, suppressionWindow: suppression,
                          idempotencyWindow: idempotency, notes: notes)
    }

    func referenceAt(_ value: String, offset: Int, _ pointer: JSONPointer) -> SourceReference {
        let (line, column) = checker.position(of: offset)
        return SourceReference(value: value, pointer: pointer.string, line: line, column: column)
    }

    // MARK: name

    func readName(_ root: ObjectFields) -> String? {
        guard let name = root.string("name", required: true) else { return nil }
        let value = root.member("name")!.value
        let pointer = root.pointer.appending("name")
        if name.unicodeScalars.contains(where: String.isUnsafe) {
            checker.report(.invalidValue, value, pointer, "\"name\" contains a control or bidirectional-override character (\(name.terminalSafe)); write the name as plain text on one line")
            return nil
        }
        let trimmed = name.trimmingWhitespace
        if trimmed.count < 3 {
            checker.report(.nameTooShort, value, pointer, "\"name\" is \"\(name)\"; a name has at least 3 characters besides surrounding white space")
            return nil
        }
        nameReference = referenceAt(name, offset: value.offset, pointer)
        return name
    }
}
