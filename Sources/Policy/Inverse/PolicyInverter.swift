/// The inverse of a policy (SPEC section 9): every action flipped through its capability's
/// `invertible` map, written disabled, with `needs_input` naming what a person must still
/// decide — at least the trigger, since what starts an undo is not what started the action.
/// A verb without an inverse is reported and left out, never guessed.
public struct PolicyInverse: Sendable {
    /// An action that has no inverse.
    public struct Refused: Sendable, Hashable {
        /// Where the action is in the original, as a JSON pointer.
        public var pointer: String
        public var capabilityID: String
        public var verb: String
        public var reason: String
    }

    /// The inverse spec, as JSON (the original's normalized form, changed).
    public var spec: JSON
    /// JSON pointers a person must still fill in (also written in the spec as `needs_input`).
    public var needsInput: [String]
    /// The actions that could not be inverted.
    public var refused: [Refused]
    /// How many actions were inverted.
    public var inverted: Int
    /// Query terms on `status` turned around (`status=running` → `status=stopped`), since
    /// the targets the original acted on are in the other state once it has run.
    public var rewrittenTerms: [(from: String, to: String)] = []

    /// The inverse of `spec`, read from `path`.
    public static func of(_ spec: PolicySpec, path: String, catalog: CapabilityCatalog = .builtIn) -> PolicyInverse {
        var actions: [JSON] = []
        var refused: [Refused] = []
        for (i, action) in spec.actions.enumerated() {
            let pointer = "/actions/\(i)"
            guard let capability = catalog.capability(action.capabilityID), let verb = capability.verb(action.verb) else {
                refused.append(Refused(pointer: pointer, capabilityID: action.capabilityID, verb: action.verb, reason: "the capability is not in the catalog"))
                continue
            }
            guard let inverseName = verb.inverse, let inverse = capability.verb(inverseName) else {
                refused.append(Refused(pointer: pointer, capabilityID: action.capabilityID, verb: action.verb,
                                       reason: "\(action.capabilityID) \(action.verb) has no inverse"))
                continue
            }
            // Parameters the inverse verb takes, carried over where the original had them.
            var params: [JSON.Member] = []
            var problem: String?
            for p in inverse.parameters {
                guard let value = action.params[p.name] else { continue }
                guard p.name == "state" else {
                    params.append(.init(p.name, value))
                    continue
                }
                // PoE: on and off undo each other; a cycle ends as it began.
                switch value.stringValue {
                case "on": params.append(.init("state", .string("off")))
                case "off": params.append(.init("state", .string("on")))
                default: problem = "set state \(value.stringValue ?? "?") has no inverse (a cycle ends as it began)"
                }
            }
            if let problem {
                refused.append(Refused(pointer: pointer, capabilityID: action.capabilityID, verb: action.verb, reason: problem))
                continue
            }
            actions.append(.object([
                "capability_id": .string(action.capabilityID), "verb": .string(inverse.name), "params": .object(params),
                "idempotency": .object(["key_hint": action.keyHint.map(JSON.string) ?? .null]),
            ]))
        }
        var needsInput = ["/trigger_group"]
        if !spec.conditions.isEmpty { needsInput.append("/conditions") }
        let (query, rewritten, unresolved) = invertedStatus(spec.targets)
        if unresolved { needsInput.append("/targets/selector/value") }
        var members = (spec.normalized.objectMembers ?? []).filter { $0.key != "notes" && $0.key != "actions" }
        for i in members.indices {
            switch members[i].key {
            case "name": members[i].value = .string(spec.name + "-inverse")
            case "enabled": members[i].value = .bool(false)
            case "targets":
                if let query, let targets = members[i].value.objectMembers {
                    members[i].value = .object(targets.map { m in
                        guard m.key == "selector", let selector = m.value.objectMembers else { return m }
                        return .init("selector", .object(selector.map { $0.key == "value" ? .init("value", .string(query.canonical)) : $0 }))
                    })
                }
            default: break
            }
        }
        if let at = members.firstIndex(where: { $0.key == "suppression_window" }) {
            members.insert(.init("actions", .array(actions)), at: at)
        }
        var notes = "The inverse of \(path) (\(spec.name)), written by policyops inverse. Decide what starts it (the trigger"
        notes += spec.conditions.isEmpty ? "" : " and the conditions"
        notes += unresolved ? "; the selector's status glob, which selects by a state the original changes" : ""
        notes += "), delete needs_input, and set enabled to true."
        if !rewritten.isEmpty { notes += " Selector: " + rewritten.map { "\($0.from) became \($0.to)" }.joined(separator: ", ") + "." }
        if !refused.isEmpty { notes += " Not inverted: " + refused.map { "\($0.pointer) (\($0.reason))" }.joined(separator: "; ") + "." }
        members.append(.init("notes", .string(notes)))
        members.append(.init("needs_input", .array(needsInput.map(JSON.string))))
        return PolicyInverse(spec: .object(members), needsInput: needsInput, refused: refused, inverted: actions.count,
                             rewrittenTerms: rewritten)
    }

    /// The query with its `status` terms turned to the other state (running ↔ stopped,
    /// on ↔ off), what was turned, and whether a term is left that cannot be turned (a glob
    /// over states), which a person must then decide.
    static func invertedStatus(_ targets: TargetSelection) -> (SelectorQuery?, [(from: String, to: String)], Bool) {
        guard let query = targets.selector.query else { return (nil, [], false) }
        let states = targets.targetType.states
        var terms: [SelectorQuery.Term] = []
        var rewritten: [(from: String, to: String)] = []
        var unresolved = false
        for term in query.terms {
            guard term.field == .status else { terms.append(term); continue }
            switch term.op {
            case .equal, .notEqual:
                guard states.count == 2, let i = states.firstIndex(of: term.value) else {
                    unresolved = true
                    terms.append(term)
                    continue
                }
                var turned = term
                turned.value = states[1 - i]
                rewritten.append((term.canonical, turned.canonical))
                terms.append(turned)
            case .glob, .notGlob:
                unresolved = true
                terms.append(term)
            }
        }
        guard !rewritten.isEmpty else { return (nil, [], unresolved) }
        // Re-parsed so the canonical order and deduplication are the parser's.
        let text = terms.map(\.canonical).joined(separator: " and ")
        let reparsed = (try? SelectorQuery.parse(text, targetType: targets.targetType).get()) ?? SelectorQuery(terms: terms)
        return (reparsed, rewritten, unresolved)
    }
}
