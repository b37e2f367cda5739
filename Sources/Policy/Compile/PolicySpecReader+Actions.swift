/// Reading a policy's targets, actions and their parameters.
extension PolicySpecReader {
    // MARK: targets

    func targetTypeIfValid(_ root: ObjectFields) -> TargetType? {
        guard case .object(let members)? = root.member("targets")?.value.kind,
              case .string(let s)? = members.first(where: { $0.key == "target_type" })?.value.kind else { return nil }
        return TargetType(rawValue: s)
    }

    func readTargets(_ t: ObjectFields) -> TargetSelection? {
        t.rejectUnknown(allowed: ["host_id", "target_type", "selector"], what: "\"targets\"")
        var hostID: String?
        if let id = t.string("host_id", required: true) {
            let value = t.member("host_id")!.value
            if let normalized = HostID.normalize(id) {
                hostID = normalized
                hostReference = referenceAt(normalized, offset: value.offset, t.pointer.appending("host_id"))
            } else {
                checker.report(.invalidHostID, value, t.pointer.appending("host_id"),
                               "\"host_id\" is \"\(id)\"; it must be the UUID of a host declared under hosts/, such as 6f1c1e8a-3d2b-4c4e-9a7f-0b1d2c3e4f50")
            }
        }
        let targetType = t.oneOf("target_type", TargetType.self, required: true)
        var selector: TargetSelector?
        if let s = t.object("selector", required: true) {
            s.rejectUnknown(allowed: ["mode", "value"], what: "\"selector\"")
            let mode = s.oneOf("mode", SelectorMode.self, required: true)
            let valueText = s.string("value", required: true)
            if let mode, let valueText, let targetType {
                let value = s.member("value")!.value
                let pointer = s.pointer.appending("value")
                let (parsed, problems) = SelectorParser.parse(mode: mode, value: valueText, targetType: targetType)
                for p in problems {
                    let offset = p.offset.map { checker.offset(inString: value, utf8Offset: $0) } ?? value.offset
                    checker.report(p.code, at: offset, pointer, p.message)
                }
                selector = parsed
            }
        }
        guard let hostID, let targetType, let selector else { return nil }
        return TargetSelection(hostID: hostID, targetType: targetType, selector: selector)
    }

    // MARK: actions

    func readActions(_ root: ObjectFields, targetType: TargetType?) -> [PolicyAction]? {
        guard let elements = root.array("actions", required: true) else { return nil }
        if elements.isEmpty {
            checker.report(.emptyList, root.member("actions")!.value, root.pointer.appending("actions"),
                           "\"actions\" is empty; a policy needs at least one action")
            return nil
        }
        var actions: [PolicyAction] = []
        var ok = true
        for (i, element) in elements.enumerated() {
            let pointer = root.pointer.appending("actions").appending(index: i)
            guard let fields = checker.fields(element, at: pointer, what: "an action"),
                  let action = readAction(fields, targetType: targetType) else {
                ok = false
                continue
            }
            actions.append(action)
        }
        return ok ? actions : nil
    }

    func readAction(_ a: ObjectFields, targetType: TargetType?) -> PolicyAction? {
        a.rejectUnknown(allowed: ["capability_id", "verb", "params", "idempotency"], what: "an action")
        let capabilityID = a.string("capability_id", required: true)
        let verbName = a.string("verb", required: true)
        let paramsFields = a.object("params")
        var keyHint: String?
        var keyHintOK = true
        if let idempotency = a.object("idempotency") {
            idempotency.rejectUnknown(allowed: ["key_hint"], what: "\"idempotency\"")
            if let v = idempotency.value("key_hint", required: false, nullable: true) {
                switch v.kind {
                case .null: keyHint = nil
                case .string(let s): keyHint = s
                default:
                    idempotency.wrongType("key_hint", v, expected: "a string or null")
                    keyHintOK = false
                }
            }
        }
        guard let capabilityID else { return nil }
        let capabilityValue = a.member("capability_id")!.value
        let capabilityPointer = a.pointer.appending("capability_id")
        capabilityReferences.append(referenceAt(capabilityID, offset: capabilityValue.offset, capabilityPointer))
        guard let capability = catalog.capability(capabilityID) else {
            let ids = catalog.capabilities.map(\.id)
            var message = "unknown capability \"\(capabilityID)\"; capabilities are \(ids.joined(separator: ", "))"
            if let near = ObjectFields.closest(to: capabilityID, in: ids) { message += "; did you mean \"\(near)\"?" }
            checker.report(.unknownCapability, capabilityValue, capabilityPointer, message)
            return nil
        }
        var ok = keyHintOK
        if let targetType, !capability.targetTypes.contains(targetType) {
            let fitting = catalog.capabilities.filter { $0.targetTypes.contains(targetType) }.map(\.id)
            checker.report(.targetTypeMismatch, capabilityValue, capabilityPointer,
                           "\(capabilityID) acts on \(capability.targetTypes.map(\.rawValue).joined(separator: ", ")) targets, but the policy targets \(targetType.rawValue)"
                           + (fitting.isEmpty ? "" : "; capabilities for \(targetType.rawValue): \(fitting.joined(separator: ", "))"))
            ok = false
        }
        guard let verbName else { return nil }
        guard let verb = capability.verb(verbName) else {
            let names = capability.verbs.map(\.name)
            var message = "\(capabilityID) has no verb \"\(verbName)\"; its verbs are \(names.joined(separator: ", "))"
            if let near = ObjectFields.closest(to: verbName, in: names) { message += "; did you mean \"\(near)\"?" }
            checker.report(.unknownVerb, a.member("verb")!.value, a.pointer.appending("verb"), message)
            return nil
        }
        if a.has("params") && paramsFields == nil { return nil }
        guard let params = readParams(paramsFields, verb: verb, capability: capability, actionPointer: a.pointer, actionOffset: a.offset),
              ok else { return nil }
        return PolicyAction(capabilityID: capabilityID, verb: verbName, params: params, keyHint: keyHint)
    }

    func readParams(_ fields: ObjectFields?, verb: Capability.Verb, capability: Capability,
                    actionPointer: JSONPointer, actionOffset: Int) -> JSON? {
        let names = verb.parameters.map(\.name)
        var ok = true
        if let fields {
            for m in fields.members where !names.contains(m.key) {
                var message = "\(capability.id) \(verb.name) takes no parameter \"\(m.key)\"; its parameters are \(names.isEmpty ? "none" : names.joined(separator: ", "))"
                if let near = ObjectFields.closest(to: m.key, in: names) { message += "; did you mean \"\(near)\"?" }
                checker.report(.unknownParam, at: m.keyOffset, fields.pointer.appending(m.key), message)
                ok = false
            }
        }
        var out: [JSON.Member] = []
        for p in verb.parameters {
            let pointer = (fields?.pointer ?? actionPointer.appending("params")).appending(p.name)
            guard let member = fields?.member(p.name) else {
                if p.required {
                    checker.report(.missingParam, at: fields?.offset ?? actionOffset, fields?.pointer ?? actionPointer,
                                   "\(capability.id) \(verb.name) needs parameter \"\(p.name)\": \(p.accepted)")
                    ok = false
                } else if let d = p.defaultValue {
                    out.append(JSON.Member(p.name, d))
                }
                continue
            }
            guard let value = readParam(member.value, spec: p, pointer: pointer, capability: capability, verb: verb) else {
                ok = false
                continue
            }
            out.append(JSON.Member(p.name, value))
        }
        return ok ? .object(out) : nil
    }

    func readParam(_ v: JSONValue, spec p: ParameterSpec, pointer: JSONPointer, capability: Capability, verb: Capability.Verb) -> JSON? {
        func invalid(_ found: String) -> JSON? {
            checker.report(.invalidParam, v, pointer, "parameter \"\(p.name)\" of \(capability.id) \(verb.name) must be \(p.accepted), found \(found)")
            return nil
        }
        switch v.kind {
        case .invalid: return nil
        case .null:
            checker.report(.nullValue, v, pointer, "parameter \"\(p.name)\" is null; give \(p.accepted) or leave it out")
            return nil
        default: break
        }
        switch p.kind {
        case .integer(let range):
            guard case .number(let n) = v.kind else { return invalid(v.typeDescription) }
            guard n.isInteger else {
                checker.report(.notInteger, v, pointer, "parameter \"\(p.name)\" must be an integer literal without fraction or exponent, found \(n.literal)")
                return nil
            }
            guard let i = n.int64, range.contains(i) else { return invalid(n.literal) }
            return .integer(i)
        case .bool:
            guard case .bool(let b) = v.kind else { return invalid(v.typeDescription) }
            return .bool(b)
        case .oneOf(let options):
            guard case .string(let s) = v.kind else { return invalid(v.typeDescription) }
            guard options.contains(s) else { return invalid("\"\(s)\"") }
            return .string(s)
        case .string(let maxLength):
            guard case .string(let s) = v.kind else { return invalid(v.typeDescription) }
            guard s.count <= maxLength else { return invalid("a string of \(s.count) characters") }
            return .string(s)
        case .nonEmptyStringArray:
            guard case .array(let elements) = v.kind, !elements.isEmpty else {
                return invalid(v.typeDescription == "an array" ? "an empty array" : v.typeDescription)
            }
            var strings: [JSON] = []
            for (i, e) in elements.enumerated() {
                guard case .string(let s) = e.kind, !s.isEmpty else {
                    checker.report(.invalidParam, e, pointer.appending(index: i), "\"\(p.name)\" holds non-empty strings only, found \(e.typeDescription == "a string" ? "an empty string" : e.typeDescription)")
                    return nil
                }
                if s.utf8.contains(0) {
                    checker.report(.invalidParam, e, pointer.appending(index: i), "\"\(p.name)\" strings cannot contain NUL characters")
                    return nil
                }
                strings.append(.string(s))
            }
            return .array(strings)
        case .object:
            guard case .object = v.kind else { return invalid(v.typeDescription) }
            return JSON(v)
        }
    }
}

extension String {
    /// The string without leading and trailing white space (Unicode's definition).
    var trimmingWhitespace: Substring {
        var s = self[...]
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
