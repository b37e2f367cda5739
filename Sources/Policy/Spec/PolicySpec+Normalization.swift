extension PolicySpec {
    /// The normalized spec: every default spelled out, durations in canonical form,
    /// metrics by short name, triggers and conditions in canonical order, selectors sorted
    /// and merged. It is itself a valid Policy Spec v1, and normalizing it again changes
    /// nothing. Its canonical bytes are what the spec hash covers.
    public var normalized: JSON {
        var members: [JSON.Member] = [
            .init("version", .integer(1)),
            .init("name", .string(name)),
            .init("enabled", .bool(enabled)),
            .init("priority", .integer(priority)),
            .init("stop_on_match", .bool(stopOnMatch)),
            .init("dynamic_resolution", .bool(dynamicResolution)),
            .init("trigger_group", .object([
                "logic": .string(triggerGroup.logic.rawValue),
                "triggers": .array(triggerGroup.triggers.map(\.normalized)),
            ])),
            .init("conditions", .object(["all": .array(conditions.map(\.normalized))])),
            .init("targets", targets.normalized),
            .init("actions", .array(actions.map(\.normalized))),
            .init("suppression_window", .string(suppressionWindow.canonical)),
            .init("idempotency_window", .string(idempotencyWindow.canonical)),
        ]
        if let notes { members.append(.init("notes", .string(notes))) }
        return .object(members)
    }

    /// The canonical (RFC 8785) bytes of the normalized spec.
    public var canonicalBytes: [UInt8] { normalized.canonicalBytes }
}

extension Trigger {
    /// The trigger in normalized form.
    public var normalized: JSON {
        switch self {
        case .upsState(let state):
            return .object(["type": .string(kind.rawValue), "equals": .string(state.rawValue)])
        case .metricThreshold(let t):
            return .object([
                "type": .string(kind.rawValue), "metric": .string(t.metric.rawValue), "op": .string(t.op.rawValue),
                "value": .number(t.value), "for": .string(t.holdFor.canonical),
            ])
        case .timerAt(let s):
            var schedule: [JSON.Member] = [.init("repeat", .string(s.repeats.rawValue)), .init("at", .string(s.at.description))]
            if s.repeats == .weekly { schedule.append(.init("days", .array(s.days.map { .string($0.rawValue) }))) }
            return .object(["type": .string(kind.rawValue), "schedule": .object(schedule)])
        case .timerAfter(let after, let since):
            return .object([
                "type": .string(kind.rawValue), "after": .string(after.canonical), "since_event": since.normalized,
            ])
        case .webhookCustom(let name):
            return .object(["type": .string(kind.rawValue), "name": .string(name)])
        }
    }
}

extension EventReference {
    /// `{"type", "equals"}`.
    public var normalized: JSON {
        switch self {
        case .upsState(let s): return .object(["type": .string(TriggerKind.upsState.rawValue), "equals": .string(s.rawValue)])
        case .webhook(let name): return .object(["type": .string(TriggerKind.webhookCustom.rawValue), "equals": .string(name)])
        }
    }
}

extension Condition {
    /// The condition in normalized form.
    public var normalized: JSON {
        let v: JSON
        switch value {
        case .number(let d): v = .number(d)
        case .string(let s): v = .string(s)
        case .bool(let b): v = .bool(b)
        }
        return .object(["scope": .string(scope.rawValue), "field": .string(field), "op": .string(op.rawValue), "value": v])
    }
}

extension TargetSelection {
    /// The targets in normalized form.
    public var normalized: JSON {
        .object([
            "host_id": .string(hostID),
            "target_type": .string(targetType.rawValue),
            "selector": .object(["mode": .string(selector.mode.rawValue), "value": .string(selector.value)]),
        ])
    }
}

extension PolicyAction {
    /// The action in normalized form.
    public var normalized: JSON {
        .object([
            "capability_id": .string(capabilityID),
            "verb": .string(verb),
            "params": params,
            "idempotency": .object(["key_hint": keyHint.map(JSON.string) ?? .null]),
        ])
    }
}
