import Policy

/// What the engine made of one event: the records to append (the consumed event first,
/// then one decision per policy that matched), the executions to queue, and the state
/// after them. Nothing happens until the caller has made the records durable.
public struct EventOutcome: Sendable {
    public var records: [LedgerRecord]
    public var jobs: [ExecutionJob]
    public var state: EngineState
    /// How many policies were weighed (shortlisted) for the event.
    public var shortlisted: Int
}

/// Decides what policies do about events (SPEC section 6): shortlist by trigger kind;
/// order by priority then policy id; ALL/ANY against the current state of each UPS,
/// metric and timer; conditions; the suppression window; dynamic resolution against the
/// inventory; idempotency per target; preflight through the driver's dry-run; and
/// `stop_on_match`. Time reaches it through an injected clock, hosts through drivers.
public actor Engine {
    let drivers: any DriverRegistry
    let clock: any EngineClock
    /// Occurrences of `timer.at` this late (missed while the reconciler was down) still fire.
    let lateTimerGrace: Int64
    public private(set) var set: PolicySet = .empty
    var schedule: TimerSchedule?
    var nextTimerAt: [String: Timestamp] = [:]
    /// The last inventory of each host.
    public private(set) var inventories: [String: HostInventory] = [:]

    /// An engine with its drivers and clock.
    public init(drivers: any DriverRegistry, clock: any EngineClock, lateTimerGraceSeconds: Int64 = 300) {
        self.drivers = drivers
        self.clock = clock
        self.lateTimerGrace = lateTimerGraceSeconds
    }

    /// Runs `set` from now on.
    public func apply(_ set: PolicySet) {
        self.set = set
        schedule = TimerSchedule(timeZone: set.timeZone) ?? TimerSchedule(timeZone: "UTC")
        nextTimerAt = [:]
    }

    /// Replaces a host's inventory (a refresh done elsewhere, or a frozen snapshot).
    public func remember(_ inventory: HostInventory) { inventories[inventory.hostID] = inventory }

    // MARK: inventory

    /// A fast refresh of a host through its driver; when it fails or is late the last
    /// inventory is kept and marked stale.
    public func refresh(_ hostID: String, full: Bool = false) async -> HostInventory {
        guard let host = set.hosts[hostID], let driver = drivers.driver(for: host) else {
            return HostInventory(hostID: hostID, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: "no driver for host \(hostID)", problemCode: .capabilityMissing)
        }
        var fresh = await driver.refresh(host, full: full)
        if !fresh.reachable || fresh.refreshedAt == nil, let last = inventories[hostID], !last.targets.isEmpty {
            fresh.targets = last.targets
            fresh.refreshedAt = last.refreshedAt
            fresh.stale = true
        }
        inventories[hostID] = fresh
        return fresh
    }

    /// The targets a policy selects in an inventory, and the ids it names that the host lacks.
    public func resolve(_ p: RuntimePolicy, in inventory: HostInventory) -> (targets: [InventoryTarget], missing: [String]) {
        let t = p.spec.targets
        if !p.spec.dynamicResolution, let frozen = p.frozenTargets {
            let found = frozen.compactMap { inventory.target($0) }
            return (found, frozen.filter { inventory.target($0) == nil })
        }
        if let query = t.selector.query {
            return (inventory.targets.filter { $0.type == t.targetType && query.matches(nativeID: $0.nativeID, name: $0.name, status: $0.state, labels: $0.labels) }, [])
        }
        var byID: [String: InventoryTarget] = [:]
        for target in inventory.targets { byID[target.id] = target }
        var out: [InventoryTarget] = []
        var missing: [String] = []
        for id in t.selector.staticIDs {
            if let target = byID[id] { out.append(target) } else { missing.append(id) }
        }
        if !t.selector.inventoryRanges.isEmpty {
            for target in inventory.targets where target.type == .poePort {
                if let port = PortID.parse(target.nativeID[...]), t.selector.inventoryRanges.contains(where: { $0.contains(port) }) {
                    out.append(target)
                }
            }
        }
        return (out, missing)
    }

    // MARK: events

    /// Decides what the policies do about `event`.
    public func process(_ event: Event, state: EngineState) async -> EventOutcome {
        var s = state
        let now = clock.now()
        let armedBefore = s.timersAfter
        let fired = s.absorb(event, set: set)
        let armed = s.timersAfter.filter { armedBefore[$0.key] != $0.value }.count
        let upsID = s.upsID(for: event, set: set)
        var firedByPolicy: [Int: Set<Int>] = [:]
        for (i, t) in fired { firedByPolicy[i, default: []].insert(t) }
        let order = firedByPolicy.keys.sorted()
        var records: [LedgerRecord] = []
        var jobs: [ExecutionJob] = []
        var inventoriesNow: [String: HostInventory] = [:]
        var matched = 0
        for i in order {
            let p = set.policies[i]
            let group = p.spec.triggerGroup
            if group.logic == .all {
                let firedNow = firedByPolicy[i]!
                let all = group.triggers.enumerated().allSatisfy { t, trigger in
                    s.holds(trigger, index: t, policy: p, ups: upsID, firedNow: firedNow.contains(t), now: now)
                }
                if !all { continue }
            }
            // Conditions that need the inventory get it once per host per event.
            let hostID = p.spec.targets.hostID
            var holds = true
            for c in p.spec.conditions {
                let value: ConditionValue?
                switch c.scope {
                case .ups, .metric: value = s.value(of: c, ups: upsID, now: now)
                case .host:
                    let inv = await inventoryOnce(hostID, &inventoriesNow)
                    value = c.field == "reachable" ? .bool(inv.reachable) : set.hosts[p.spec.targets.hostID].map { .string($0.name) }
                case .vm:
                    let inv = await inventoryOnce(hostID, &inventoriesNow)
                    let selected = resolve(p, in: inv).targets
                    value = .number(Double(c.field == "count_running" ? selected.filter { $0.state == "running" || $0.state == "on" }.count : selected.count))
                }
                guard let v = value, v.compare(c.op, c.value) else {
                    holds = false
                    break
                }
            }
            if !holds { continue }
            matched += 1
            let record: LedgerRecord
            var stop = false
            if let reason = s.disabled[p.id] {
                record = decision(p, event, now, .warn, matched: false,
                                  message: "\(p.spec.name) matched but is disabled until a dry-run passes: \(reason)")
            } else if let last = s.lastMatch[p.id], now.milliseconds - last.milliseconds < p.spec.suppressionWindow.seconds * 1000 {
                record = decision(p, event, now, .info, matched: false,
                                  message: "\(p.spec.name) suppressed: it matched \(Int((now.milliseconds - last.milliseconds) / 1000)) s ago, within its \(p.spec.suppressionWindow.spoken) suppression window (\(DiagnosticCode.suppressedWindow.rawValue))",
                                  code: .suppressedWindow)
            } else {
                let inv = await inventoryOnce(hostID, &inventoriesNow)
                (record, stop) = await plan(p, event: event, inventory: inv, now: now, state: s, jobs: &jobs)
            }
            s.apply(record, seq: 0, set: set)
            records.append(record)
            if stop && p.spec.stopOnMatch { break }
        }
        let eventRecord = LedgerRecord(
            kind: .event, ts: now, severity: .info, correlationID: event.correlationID, eventID: event.id,
            message: "\(event.type.rawValue) \(event.kind) on \(event.subject.kind):\(event.subject.id): \(order.count) policies fired, \(matched) matched"
                + (armed > 0 ? ", \(armed) timers armed" : ""),
            details: .object(["event": event.json, "fired": .integer(Int64(order.count)), "matched": .integer(Int64(matched))]))
        return EventOutcome(records: [eventRecord] + records, jobs: jobs, state: s, shortlisted: order.count)
    }

    /// A host's inventory refreshed once per event.
    func inventoryOnce(_ hostID: String, _ cache: inout [String: HostInventory]) async -> HostInventory {
        if let known = cache[hostID] { return known }
        let inv = await refresh(hostID)
        cache[hostID] = inv
        return inv
    }

    func decision(_ p: RuntimePolicy, _ event: Event, _ now: Timestamp, _ severity: Severity, matched: Bool, message: String,
                  code: DiagnosticCode? = nil, results: [RecordResult] = [], extra: [JSON.Member] = []) -> LedgerRecord {
        var details: [JSON.Member] = [.init("matched", .bool(matched)), .init("policy", .string(p.spec.name)), .init("path", .string(p.path))]
        if let code { details.append(.init("code", .string(code.rawValue))) }
        details += extra
        return LedgerRecord(kind: .decision, ts: now, severity: severity, policyID: p.id, commit: set.commit,
                            correlationID: event.correlationID, eventID: event.id, results: results, message: message, details: .object(details))
    }

    /// Resolution, idempotency and preflight for a matched policy; the executions it schedules.
    func plan(_ p: RuntimePolicy, event: Event, inventory inv: HostInventory, now: Timestamp, state s: EngineState,
              jobs: inout [ExecutionJob]) async -> (LedgerRecord, Bool) {
        let (targets, missing) = resolve(p, in: inv)
        var extra: [JSON.Member] = [.init("used_inventory", .object([
            "refreshed": .bool(inv.refreshedAt != nil), "ts": inv.refreshedAt.map { .string($0.iso8601) } ?? .null, "stale": .bool(inv.stale),
        ]))]
        if !missing.isEmpty { extra.append(.init("missing", .array(missing.map(JSON.string)))) }
        if !inv.reachable && inv.targets.isEmpty || (inv.problemCode == .hostUnreachable || inv.problemCode == .authDenied) && !inv.reachable {
            let code = inv.problemCode ?? .hostUnreachable
            let reason = inv.problem ?? "host unreachable"
            return (decision(p, event, now, .error, matched: true, message: "\(p.spec.name): \(reason) (\(code.rawValue)); the policy is disabled until a dry-run passes",
                             code: code, extra: extra + [.init("disabled", .string(reason))]), false)
        }
        if targets.isEmpty {
            return (decision(p, event, now, .warn, matched: true,
                             message: "\(p.spec.name) matched but its selector resolves to no targets on \(set.hosts[p.spec.targets.hostID]?.name ?? p.spec.targets.hostID) (\(DiagnosticCode.emptySelection.rawValue))",
                             code: .emptySelection, extra: extra), false)
        }
        guard let host = set.hosts[p.spec.targets.hostID], let driver = drivers.driver(for: host) else {
            let reason = "no driver for host \(p.spec.targets.hostID); validate the repository again"
            return (decision(p, event, now, .error, matched: true, message: "\(p.spec.name): \(reason)", code: .capabilityMissing,
                             extra: extra + [.init("disabled", .string(reason))]), false)
        }
        var results: [RecordResult] = []
        var newJobs: [ExecutionJob] = []
        var disabledReason: String?
        for (a, spec) in p.spec.actions.enumerated() {
            let action = PlannedAction(policyID: p.id, capability: spec.capabilityID, verb: spec.verb, params: spec.params, keyHint: spec.keyHint)
            guard driver.capabilities.contains(where: { $0.id == spec.capabilityID }) else {
                disabledReason = "capability \(spec.capabilityID) is missing from the \(host.driver.rawValue) driver at run time; validate the repository again"
                break
            }
            var fresh: [InventoryTarget] = []
            var keys: [String: String] = [:]
            for target in targets {
                let key = IdempotencyKey.make(action: action, hostID: host.id, targetID: target.id)
                keys[target.id] = key
                if let last = s.lastExecution[key], now.milliseconds - last.milliseconds < p.spec.idempotencyWindow.seconds * 1000 {
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .info,
                                                outcome: "suppressed-idempotent", idempotencyKey: key,
                                                detail: "the same action ran \(Int((now.milliseconds - last.milliseconds) / 1000)) s ago, within the \(p.spec.idempotencyWindow.spoken) idempotency window"))
                } else {
                    fresh.append(target)
                }
            }
            guard !fresh.isEmpty else { continue }
            let dry = await driver.dryRun(host, action: action, targets: fresh, inventory: inv)
            if !dry.ok {
                disabledReason = dry.reason ?? "dry-run failed"
                for target in fresh {
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: dry.severity,
                                                outcome: "preflight-failed", idempotencyKey: keys[target.id]!, detail: dry.reason))
                }
                break
            }
            let effects = Dictionary(dry.perTarget.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var scheduled: [String] = []
            for target in fresh {
                if let e = effects[target.id], e.isNoOp {
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .info,
                                                outcome: "already-in-state", idempotencyKey: keys[target.id]!, detail: "already \(e.to)"))
                } else {
                    scheduled.append(target.id)
                }
            }
            guard !scheduled.isEmpty else { continue }
            let job = ExecutionJob(id: "\(event.id)/\(p.id)/\(a)", hostID: host.id, action: action, targetIDs: scheduled,
                                   keys: keys.filter { scheduled.contains($0.key) }, eventID: event.id, correlationID: event.correlationID,
                                   queuedAt: now, expiresAfterSeconds: max(p.spec.idempotencyWindow.seconds, 60))
            for id in scheduled {
                results.append(RecordResult(targetID: id, capability: spec.capabilityID, verb: spec.verb, severity: .info, outcome: "scheduled",
                                            idempotencyKey: keys[id]!, jobID: job.id))
            }
            newJobs.append(job)
        }
        if let reason = disabledReason {
            newJobs = []
            results = results.map { r in
                var r = r
                if r.outcome == "scheduled" { r.outcome = "not-scheduled"; r.jobID = nil }
                return r
            }
            return (decision(p, event, now, .error, matched: true,
                             message: "\(p.spec.name): \(reason); the policy is disabled until a dry-run passes", code: .driverFailure,
                             results: results, extra: extra + [.init("disabled", .string(reason))]), false)
        }
        jobs += newJobs
        let scheduledCount = results.filter { $0.outcome == "scheduled" }.count
        let severity = results.map(\.severity).max() ?? .info
        var message = "\(p.spec.name) matched: \(scheduledCount) scheduled"
        let skipped = results.count - scheduledCount
        if skipped > 0 { message += ", \(skipped) skipped (already in state or within the idempotency window)" }
        if !missing.isEmpty { message += "; \(missing.count) selected targets are not in the inventory (\(DiagnosticCode.targetNotFound.rawValue))" }
        return (decision(p, event, now, missing.isEmpty ? severity : max(severity, .warn), matched: true, message: message, results: results,
                         extra: extra + [.init("jobs", .array(newJobs.map(\.json)))]), scheduledCount > 0)
    }

    // MARK: the scheduler

    /// The internal events due at `now`: `timer.at` occurrences, `timer.after` deadlines and
    /// `metric.threshold` holds that have lasted their `for`.
    public func dueEvents(state s: EngineState, now: Timestamp) -> [Event] {
        var events: [Event] = []
        for (key, deadline) in s.timersAfter where deadline <= now {
            let (policy, trigger) = split(key)
            events.append(internalEvent(.timerAfter, kind: "after", policy: policy, trigger: trigger, ts: deadline, extra: [:]))
        }
        for (key, since) in s.holds where !s.holdsFired.contains(key) {
            let parts = key.split(separator: "#", omittingEmptySubsequences: false)
            guard parts.count == 3, let p = set.policy(String(parts[0])), let t = Int(parts[1]),
                  t < p.spec.triggerGroup.triggers.count, case .metricThreshold(let m) = p.spec.triggerGroup.triggers[t] else { continue }
            let due = since.adding(seconds: m.holdFor.seconds)
            if due <= now {
                events.append(internalEvent(.metricHold, kind: m.metric.rawValue, policy: p.id, trigger: t, ts: due, extra: ["ups": String(parts[2])]))
            }
        }
        if let schedule {
            for p in set.policies {
                for (t, trigger) in p.spec.triggerGroup.triggers.enumerated() {
                    guard case .timerAt(let when) = trigger else { continue }
                    let key = p.id + "#" + String(t)
                    let floor = max(s.timerAtFired[key] ?? Timestamp(milliseconds: Int64.min / 2), now.adding(seconds: -lateTimerGrace))
                    let next: Timestamp
                    if let cached = nextTimerAt[key], cached > floor { next = cached } else {
                        next = schedule.next(when, after: floor)
                        nextTimerAt[key] = next
                    }
                    if next <= now {
                        events.append(internalEvent(.timerAt, kind: "at", policy: p.id, trigger: t, ts: now, extra: ["occurrence": next.iso8601]))
                    }
                }
            }
        }
        return events.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
    }

    /// The next moment something is due, nil when nothing is armed.
    public func nextDeadline(state s: EngineState, now: Timestamp) -> Timestamp? {
        var next: Timestamp?
        func consider(_ t: Timestamp) { if next == nil || t < next! { next = t } }
        for (_, d) in s.timersAfter { consider(d) }
        for (key, since) in s.holds where !s.holdsFired.contains(key) {
            let parts = key.split(separator: "#", omittingEmptySubsequences: false)
            if parts.count == 3, let p = set.policy(String(parts[0])), let t = Int(parts[1]), t < p.spec.triggerGroup.triggers.count,
               case .metricThreshold(let m) = p.spec.triggerGroup.triggers[t] { consider(since.adding(seconds: m.holdFor.seconds)) }
        }
        if let schedule {
            for p in set.policies {
                for (t, trigger) in p.spec.triggerGroup.triggers.enumerated() {
                    guard case .timerAt(let when) = trigger else { continue }
                    let key = p.id + "#" + String(t)
                    let floor = max(s.timerAtFired[key] ?? now, now.adding(seconds: -lateTimerGrace))
                    consider(nextTimerAt[key].flatMap { $0 > floor ? $0 : nil } ?? schedule.next(when, after: floor))
                }
            }
        }
        return next
    }

    func split(_ key: String) -> (String, Int) {
        let parts = key.split(separator: "#")
        return (String(parts.first ?? ""), Int(parts.last ?? "0") ?? 0)
    }

    func internalEvent(_ type: EventType, kind: String, policy: String, trigger: Int, ts: Timestamp, extra: [String: String]) -> Event {
        var attrs = ["policy": policy, "trigger": String(trigger)]
        for (k, v) in extra { attrs[k] = v }
        let stamp = extra["occurrence"] ?? ts.iso8601
        return Event(id: "\(type.rawValue)-\(policy)-\(trigger)-\(stamp)", type: type, kind: kind,
                     subject: Subject(kind: "policy", id: policy), attrs: attrs, ts: ts, correlationID: nil)
    }
}
