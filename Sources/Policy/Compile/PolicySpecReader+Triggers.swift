/// Reading a policy's triggers, schedules and conditions.
extension PolicySpecReader {
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
}
