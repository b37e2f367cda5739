/// A policy in plain words, for people reviewing a change: "When the UPS has been on
/// battery for 2 min and load is above 60 %, shut down VMs 104–108 on pve-1, 60 s grace...".
public struct PolicyExplainer: Sendable {
    /// Host names by id, to say "pve-1" rather than a UUID.
    public var hostNames: [String: String]
    /// The time zone `timer.at` schedules are in.
    public var timeZone: String

    /// Creates an explainer.
    public init(hostNames: [String: String] = [:], timeZone: String = "UTC") {
        self.hostNames = hostNames
        self.timeZone = timeZone
    }

    /// The explanation: a title line, then sentences.
    public func explain(_ spec: PolicySpec, path: String, policyID: String) -> String {
        var lines: [String] = []
        lines.append("\(spec.name)  (\(path))")
        var status = spec.enabled ? "enabled" : "disabled: compiled but never runs"
        status += ", priority \(spec.priority)"
        lines.append("policy \(policyID), \(status)")
        lines.append("")
        var sentence: String
        if spec.triggerGroup.triggers.count == 1, case .timerAt(let schedule) = spec.triggerGroup.triggers[0] {
            sentence = (schedule.repeats == .daily ? "Every day" : "Every " + list(schedule.days.map(\.name), conjunction: "and"))
                + " at \(schedule.at) (\(timeZone))"
        } else if spec.triggerGroup.triggers.count == 1, case .timerAfter = spec.triggerGroup.triggers[0] {
            let phrase = trigger(spec.triggerGroup.triggers[0], all: false)
            sentence = phrase.prefix(1).uppercased() + phrase.dropFirst()
        } else {
            sentence = "When " + triggers(spec.triggerGroup)
        }
        if !spec.conditions.isEmpty {
            sentence += ", and only if " + list(spec.conditions.map { condition($0, spec) }, conjunction: "and")
        }
        sentence += ": " + list(spec.actions.map { action($0, spec) }, conjunction: "then") + "."
        lines.append(sentence)
        lines.append("")
        lines.append("- Targets: \(targets(spec))")
        lines.append("- Not again within \(spec.suppressionWindow.spoken) of a match (suppression window); the same action on the same target runs at most once in \(spec.idempotencyWindow.spoken) (idempotency window).")
        lines.append(spec.stopOnMatch
                     ? "- Once it schedules an action, no lower-priority policy runs for the same event (stop_on_match)."
                     : "- Policies after it (higher priority numbers) still run for the same event.")
        if let notes = spec.notes { lines.append("- Notes: \(notes)") }
        return lines.joined(separator: "\n") + "\n"
    }

    func hostName(_ id: String) -> String { hostNames[id] ?? "host \(id)" }

    // MARK: triggers

    func triggers(_ group: TriggerGroup) -> String {
        let phrases = group.triggers.map { trigger($0, all: group.logic == .all && group.triggers.count > 1) }
        if phrases.count == 1 { return phrases[0] }
        return group.logic == .all ? list(phrases, conjunction: "and") + " (all at once)" : list(phrases, conjunction: "or")
    }

    func trigger(_ t: Trigger, all: Bool) -> String {
        switch t {
        case .upsState(let state):
            switch state {
            case .onMains: return all ? "the UPS is on mains power" : "the UPS returns to mains power"
            case .onBattery: return all ? "the UPS is on battery" : "the UPS goes on battery"
            case .lowBattery: return all ? "the UPS battery is low" : "the UPS battery runs low"
            case .commLost: return all ? "the UPS cannot be reached" : "the UPS stops answering"
            }
        case .metricThreshold(let m):
            let (name, unit) = m.metric.spoken
            let base = "\(name) \(m.op.spoken) \(number(m.value))\(unit)"
            return m.holdFor.seconds > 0 ? "\(base) for \(m.holdFor.spoken)" : base
        case .timerAt(let s):
            let days = s.repeats == .daily ? "" : " on " + list(s.days.map(\.name), conjunction: "or")
            return "it is \(s.at) (\(timeZone))\(days)"
        case .timerAfter(let after, let since):
            switch since {
            case .upsState(let state): return "\(after.spoken) after \(trigger(.upsState(state), all: false))"
            case .webhook(let name): return "\(after.spoken) after the external event \"\(name)\""
            }
        case .webhookCustom(let name):
            return "the external event \"\(name)\" arrives"
        }
    }

    // MARK: conditions

    func condition(_ c: Condition, _ spec: PolicySpec) -> String {
        let value: String
        switch c.value {
        case .number(let d): value = number(d)
        case .string(let s): value = s
        case .bool(let b): value = b ? "true" : "false"
        }
        switch (c.scope, c.field) {
        case (.ups, "state"):
            return "the UPS state \(c.op == .equal ? "is" : "is not") \(value)"
        case (.ups, "on_battery_s"):
            return "the UPS has been on battery for a time that \(c.op.spoken) \(value) s"
        case (.host, "reachable"):
            let reachable = (c.value == .bool(true)) == (c.op == .equal)
            return "\(hostName(spec.targets.hostID)) is \(reachable ? "reachable" : "unreachable")"
        case (.host, "name"):
            return "the host's name \(c.op.spoken) \(value)"
        case (.vm, "count_matching"):
            return "the number of selected \(spec.targets.targetType.spoken.many) \(c.op.spoken) \(value)"
        case (.vm, "count_running"):
            let running = spec.targets.targetType == .poePort ? "powered" : "running"
            return "the number of selected \(spec.targets.targetType.spoken.many) \(running) \(c.op.spoken) \(value)"
        default:
            if let metric = Metric(name: c.field) {
                let (name, unit) = metric.spoken
                return "\(name) \(c.op.spoken) \(value)\(unit)"
            }
            return "\(c.scope.rawValue).\(c.field) \(c.op.rawValue) \(value)"
        }
    }

    // MARK: actions and targets

    func targets(_ spec: PolicySpec) -> String {
        let t = spec.targets
        let host = hostName(t.hostID)
        if let query = t.selector.query {
            return "the \(t.targetType.spoken.many) on \(host) matching \(query.canonical), resolved against its inventory"
                + (spec.dynamicResolution ? " at each run" : " when the commit is applied")
        }
        let count = t.selector.staticIDs.count
        let plural = count != 1 || !t.selector.inventoryRanges.isEmpty
        var text = "\(plural ? t.targetType.spoken.many : t.targetType.spoken.one) \(ranges(t.selector.value, t.targetType)) on \(host)"
        if t.selector.inventoryRanges.isEmpty {
            text += " (\(count) \(count == 1 ? t.targetType.spoken.one : t.targetType.spoken.many))"
        } else {
            text += " (ports across modules are taken from the switch's inventory)"
        }
        text += spec.dynamicResolution ? "; checked against the live inventory at each run" : "; fixed when the commit is applied"
        return text
    }

    func selection(_ spec: PolicySpec) -> String {
        let t = spec.targets
        if let query = t.selector.query { return "the \(t.targetType.spoken.many) matching \(query.canonical) on \(hostName(t.hostID))" }
        let many = t.selector.staticIDs.count != 1 || !t.selector.inventoryRanges.isEmpty
        return "\(many ? t.targetType.spoken.many : t.targetType.spoken.one) \(ranges(t.selector.value, t.targetType)) on \(hostName(t.hostID))"
    }

    func action(_ a: PolicyAction, _ spec: PolicySpec) -> String {
        let what = selection(spec)
        let params = a.params
        switch (a.capabilityID, a.verb) {
        case (_, "shutdown"):
            let grace = params["grace_s"]?.integerValue ?? 60
            let force = params["force"]?.boolValue ?? false
            return "shut down \(what), giving each \(grace) s to stop cleanly" + (force ? ", then forcing off any still running" : " (no forced stop)")
        case (_, "start"): return "start \(what)"
        case (_, "stop"): return "stop \(what) at once (power off, no clean shutdown)"
        case (_, "reboot"): return "reboot \(what)"
        case (_, "reset"): return "reset \(what) (hard restart)"
        case (_, "suspend"): return "suspend \(what)"
        case (_, "resume"): return "resume \(what)"
        case (_, "set"):
            switch params["state"]?.stringValue {
            case "off": return "cut PoE on \(what)"
            case "on": return "power PoE on \(what)"
            default: return "power-cycle PoE on \(what)"
            }
        case ("webhook.request", _):
            let path = params["path"]?.stringValue ?? ""
            return "POST a JSON request to \(what)" + (path.isEmpty ? "" : " at path \(path)")
        case ("exec.command", _):
            let argv = params["argv"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return "run \(argv.joined(separator: " ")) for \(what) (no shell, killed after \(params["timeout_s"]?.integerValue ?? 30) s)"
        default:
            return "\(a.verb) \(what) through \(a.capabilityID)"
        }
    }

    /// `104-108,204` → `104–108 and 204`; names (`ops-chat`) are not ranges and keep their hyphens.
    func ranges(_ value: String, _ targetType: TargetType) -> String {
        let items: [String] = value.split(separator: ",").map {
            targetType.idForm == .name ? String($0) : String($0).replacingAll("-", with: "–")
        }
        return list(items, conjunction: "and")
    }

    func list(_ items: [String], conjunction: String) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return "\(items[0]) \(conjunction) \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + ", \(conjunction) " + items.last!
        }
    }

    func number(_ d: Double) -> String { ECMAScriptNumber.format(d) }
}
