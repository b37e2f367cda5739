/// Validates one policy document against Policy Spec v1 (SPEC sections 3, 7 and 13),
/// reporting every problem, and builds the spec with defaults filled in when nothing blocks.
final class PolicySpecReader {
    let checker: DocumentChecker
    let defaults: PolicyDefaults
    let catalog: CapabilityCatalog
    private(set) var hostReference: SourceReference?
    private(set) var capabilityReferences: [SourceReference] = []
    private(set) var nameReference: SourceReference?

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

    // MARK: triggers

    func readTriggerGroup(_ group: ObjectFields) -> TriggerGroup? {
        group.rejectUnknown(allowed: ["logic", "triggers"], what: "\"trigger_group\"")
        let logic = group.oneOf("logic", TriggerLogic.self) ?? .any
        guard let elements = group.array("triggers", required: true) else { return nil }
        if elements.isEmpty {
            checker.report(.emptyList, group.member("triggers")!.value, group.pointer.appending("triggers"),
                           "\"triggers\" is empty; a policy needs at least one trigger")
            return nil
        }
        var triggers: [(Trigger, [UInt8])] = []
        var ok = true
        for (i, element) in elements.enumerated() {
            let pointer = group.pointer.appending("triggers").appending(index: i)
            guard let fields = checker.fields(element, at: pointer, what: "a trigger"), let trigger = readTrigger(fields) else {
                ok = false
                continue
            }
            let bytes = trigger.normalized.canonicalBytes
            if triggers.contains(where: { $0.1 == bytes }) {
                checker.report(.repeatedTrigger, element, pointer, "this trigger repeats an earlier one in the same group; it is counted once")
                continue
            }
            triggers.append((trigger, bytes))
        }
        guard ok else { return nil }
        triggers.sort { $0.1.lexicographicallyPrecedes($1.1) }
        return TriggerGroup(logic: logic, triggers: triggers.map(\.0))
    }

    func readTrigger(_ t: ObjectFields) -> Trigger? {
        guard let kind = t.oneOf("type", TriggerKind.self, required: true, code: .unknownTriggerType) else {
            return nil
        }
        switch kind {
        case .upsState:
            t.rejectUnknown(allowed: ["type", "equals"], what: "a ups.state trigger")
            guard let state = t.oneOf("equals", UPSState.self, required: true, code: .unknownUPSState) else { return nil }
            return .upsState(state)
        case .metricThreshold:
            t.rejectUnknown(allowed: ["type", "metric", "op", "value", "for"], what: "a metric.threshold trigger")
            let metric = readMetric(t, key: "metric")
            let op = t.oneOf("op", ComparisonOperator.self, required: true, code: .operatorNotAllowed)
            let value = t.number("value", required: true)
            let holdFor = t.duration("for") ?? PolicyDuration(seconds: 0)
            guard let metric, let op, let value else { return nil }
            return .metricThreshold(MetricThreshold(metric: metric, op: op, value: value, holdFor: holdFor))
        case .timerAt:
            t.rejectUnknown(allowed: ["type", "schedule"], what: "a timer.at trigger")
            guard let schedule = t.object("schedule", required: true).flatMap(readSchedule) else { return nil }
            return .timerAt(schedule)
        case .timerAfter:
            t.rejectUnknown(allowed: ["type", "after", "since_event"], what: "a timer.after trigger")
            let after = t.duration("after", required: true)
            let since = t.object("since_event", required: true).flatMap(readEventReference)
            guard let after, let since else { return nil }
            return .timerAfter(after: after, since: since)
        case .webhookCustom:
            t.rejectUnknown(allowed: ["type", "name"], what: "a webhook.custom trigger")
            guard let name = readEventName(t, key: "name") else { return nil }
            return .webhookCustom(name: name)
        }
    }

    func readMetric(_ t: ObjectFields, key: String) -> Metric? {
        guard let name = t.string(key, required: true) else { return nil }
        guard let metric = Metric(name: name) else {
            var message = "unknown metric \"\(name)\"; metrics are \(Metric.acceptedNames.joined(separator: ", "))"
            if let near = ObjectFields.closest(to: name, in: Metric.acceptedNames) { message += "; did you mean \"\(near)\"?" }
            checker.report(.unknownMetric, t.member(key)!.value, t.pointer.appending(key), message)
            return nil
        }
        return metric
    }

    func readEventName(_ t: ObjectFields, key: String) -> String? {
        guard let name = t.string(key, required: true) else { return nil }
        guard SelectorParser.validName(name[...]) else {
            checker.report(.invalidValue, t.member(key)!.value, t.pointer.appending(key),
                           "event name \"\(name)\" is not valid; names are letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters")
            return nil
        }
        return name
    }

    func readEventReference(_ e: ObjectFields) -> EventReference? {
        e.rejectUnknown(allowed: ["type", "equals"], what: "\"since_event\"")
        guard let typeText = e.string("type", required: true) else { return nil }
        switch typeText {
        case TriggerKind.upsState.rawValue:
            guard let state = e.oneOf("equals", UPSState.self, required: true, code: .unknownUPSState) else { return nil }
            return .upsState(state)
        case TriggerKind.webhookCustom.rawValue:
            guard let name = readEventName(e, key: "equals") else { return nil }
            return .webhook(name)
        default:
            checker.report(.invalidSinceEvent, e.member("type")!.value, e.pointer.appending("type"),
                           "since_event type is \"\(typeText)\"; a timer counts from a \"ups.state\" or a \"webhook.custom\" event")
            return nil
        }
    }

    func readSchedule(_ s: ObjectFields) -> Schedule? {
        s.rejectUnknown(allowed: ["repeat", "at", "days"], what: "\"schedule\"")
        let repeats = s.oneOf("repeat", Schedule.Repeat.self, required: true)
        var at: TimeOfDay?
        if let text = s.string("at", required: true) {
            at = TimeOfDay.parse(text)
            if at == nil {
                checker.report(.invalidTimeOfDay, s.member("at")!.value, s.pointer.appending("at"),
                               "\"at\" is \"\(text)\"; write the time as HH:MM with two digits each, from 00:00 to 23:59")
            }
        }
        var days: [Weekday] = []
        var daysOK = true
        if let daysValue = s.value("days", required: false) {
            let pointer = s.pointer.appending("days")
            if repeats == .daily {
                checker.report(.dailyDays, daysValue, pointer, "a daily schedule takes no \"days\"; remove them or use \"repeat\": \"weekly\"")
                daysOK = false
            } else if case .array(let elements) = daysValue.kind {
                if elements.isEmpty {
                    checker.report(.weeklyDays, daysValue, pointer, "\"days\" is empty; a weekly schedule names at least one day (mon, tue, wed, thu, fri, sat, sun)")
                    daysOK = false
                }
                for (i, element) in elements.enumerated() {
                    guard case .string(let text) = element.kind else {
                        checker.report(.wrongType, element, pointer.appending(index: i), "a day must be a string such as \"mon\", found \(element.typeDescription)")
                        daysOK = false
                        continue
                    }
                    guard let day = Weekday(rawValue: text) else {
                        var message = "\"\(text)\" is not a day; days are mon, tue, wed, thu, fri, sat, sun (lower case)"
                        if let near = ObjectFields.closest(to: text, in: Weekday.allCases.map(\.rawValue)) { message += "; did you mean \"\(near)\"?" }
                        checker.report(.invalidDay, element, pointer.appending(index: i), message)
                        daysOK = false
                        continue
                    }
                    if days.contains(day) {
                        checker.report(.weeklyDays, element, pointer.appending(index: i), "\"\(text)\" is listed twice; name each day once")
                        daysOK = false
                        continue
                    }
                    days.append(day)
                }
            } else {
                s.wrongType("days", daysValue, expected: "an array of days such as [\"sat\", \"sun\"]")
                daysOK = false
            }
        } else if repeats == .weekly {
            checker.report(.weeklyDays, at: s.offset, s.pointer, "a weekly schedule needs \"days\", such as [\"sun\"]")
            daysOK = false
        }
        guard let repeats, let at, daysOK else { return nil }
        return Schedule(repeats: repeats, at: at, days: days)
    }

    // MARK: conditions

    func readConditions(_ root: ObjectFields) -> [Condition]? {
        guard root.has("conditions") else { return [] }
        guard let c = root.object("conditions") else { return nil }
        c.rejectUnknown(allowed: ["all"], what: "\"conditions\"")
        guard let elements = c.array("all", required: true) else { return nil }
        var conditions: [(Condition, [UInt8])] = []
        var ok = true
        for (i, element) in elements.enumerated() {
            let pointer = c.pointer.appending("all").appending(index: i)
            guard let fields = checker.fields(element, at: pointer, what: "a condition"), let condition = readCondition(fields) else {
                ok = false
                continue
            }
            let bytes = condition.normalized.canonicalBytes
            if conditions.contains(where: { $0.1 == bytes }) {
                checker.report(.repeatedTrigger, element, pointer, "this condition repeats an earlier one; it is counted once")
                continue
            }
            conditions.append((condition, bytes))
        }
        guard ok else { return nil }
        return conditions.sorted { $0.1.lexicographicallyPrecedes($1.1) }.map(\.0)
    }

    func readCondition(_ c: ObjectFields) -> Condition? {
        c.rejectUnknown(allowed: ["scope", "field", "op", "value"], what: "a condition")
        let scope = c.oneOf("scope", ConditionScope.self, required: true)
        let fieldText = c.string("field", required: true)
        let op = c.oneOf("op", ComparisonOperator.self, required: true, code: .operatorNotAllowed)
        let rawValue = c.value("value", required: true)
        guard let scope, var field = fieldText else { return nil }
        guard let type = Condition.fieldType(scope: scope, field: field) else {
            let fields = Condition.fields(of: scope)
            var message = "unknown field \"\(field)\" for scope \"\(scope.rawValue)\"; fields are \(fields.joined(separator: ", "))"
            if let near = ObjectFields.closest(to: field, in: fields) { message += "; did you mean \"\(near)\"?" }
            checker.report(.unknownConditionField, c.member("field")!.value, c.pointer.appending("field"), message)
            return nil
        }
        if type == .number, let metric = Metric(name: field), scope == .metric || (scope == .ups && Metric(rawValue: field) == nil) {
            field = metric.rawValue
        }
        guard let op, let rawValue else { return nil }
        let valuePointer = c.pointer.appending("value")
        if type != .number && !op.isEquality {
            checker.report(.operatorNotAllowed, c.member("op")!.value, c.pointer.appending("op"),
                           "\"\(op.rawValue)\" does not apply to \(scope.rawValue).\(field), a \(type == .bool ? "boolean" : "string"); use = or !=")
            return nil
        }
        switch (type, rawValue.kind) {
        case (.number, .number(let n)):
            guard let d = n.double else { return nil }
            return Condition(scope: scope, field: field, op: op, value: .number(d))
        case (.bool, .bool(let b)):
            return Condition(scope: scope, field: field, op: op, value: .bool(b))
        case (.string, .string(let s)):
            if scope == .ups && field == "state" && UPSState(rawValue: s) == nil {
                checker.report(.unknownUPSState, rawValue, valuePointer,
                               "\"\(s)\" is not a UPS state; states are \(UPSState.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return Condition(scope: scope, field: field, op: op, value: .string(s))
        default:
            let expected = type == .number ? "a number" : type == .bool ? "true or false" : "a string"
            checker.report(.conditionValueType, rawValue, valuePointer,
                           "\(scope.rawValue).\(field) is compared with \(expected), found \(rawValue.typeDescription)")
            return nil
        }
    }

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
