import Policy

/// What the engine knows of one UPS.
public struct UPSStatus: Sendable, Hashable {
    /// The last state reported, nil before any.
    public var state: UPSState?
    /// When it entered that state.
    public var stateSince: Timestamp?
    /// When it went on battery (cleared on mains).
    public var onBatterySince: Timestamp?
    /// The last reading of each metric.
    public var readings: [Metric: Double] = [:]

    public init() {}
}

/// Everything the engine must remember between events, and across restarts: UPS states
/// and readings, metric holds, armed timers, the suppression and idempotency windows,
/// disabled policies and the executions queued or running. It changes only by applying
/// ledger records, so the ledger replayed from a snapshot gives it back exactly.
public struct EngineState: Sendable {
    public var ups: [String: UPSStatus] = [:]
    /// `policy#trigger#ups` → when the comparison started to hold.
    public var holds: [String: Timestamp] = [:]
    /// Holds that already fired in their current holding period.
    public var holdsFired: Set<String> = []
    /// `policy#trigger` → deadline of an armed `timer.after`.
    public var timersAfter: [String: Timestamp] = [:]
    /// `policy#trigger` → the last `timer.at` occurrence fired.
    public var timerAtFired: [String: Timestamp] = [:]
    /// Policy → when it last matched (suppression window).
    public var lastMatch: [String: Timestamp] = [:]
    /// Idempotency key → when the action was scheduled on the target.
    public var lastExecution: [String: Timestamp] = [:]
    /// Ids of events consumed since the last snapshot.
    public var consumed: Set<String> = []
    /// Policy → why it is disabled (a dry-run error), until a dry-run passes.
    public var disabled: [String: String] = [:]
    /// Executions decided and not started.
    public var queued: [String: ExecutionJob] = [:]
    /// Executions started and not finished.
    public var started: [String: ExecutionJob] = [:]
    /// The ledger seq of the last record applied.
    public var lastSeq: Int64 = 0
    /// For policies with `dynamic_resolution: false`: the targets resolved when their commit
    /// was applied.
    public var frozen: [String: [String]] = [:]

    public init() {}

    /// The UPS an event or a condition refers to.
    func upsID(for event: Event, set: PolicySet) -> String? {
        event.subject.kind == "ups" ? event.subject.id : set.primaryUPS ?? ups.keys.sorted().first
    }

    // MARK: applying records

    /// Applies one ledger record (live, or replayed after a restart).
    public mutating func apply(_ record: LedgerRecord, seq: Int64, set: PolicySet) {
        lastSeq = max(lastSeq, seq)
        switch record.kind {
        case .event:
            guard let event = Event(json: record.details["event"] ?? .null) else { return }
            absorb(event, set: set)
        case .decision:
            if record.details["matched"]?.boolValue == true, let p = record.policyID { lastMatch[p] = record.ts }
            for r in record.results where r.outcome == "scheduled" { lastExecution[r.idempotencyKey] = record.ts }
            for j in record.details["jobs"]?.arrayValue ?? [] {
                if let job = ExecutionJob(json: j) { queued[job.id] = job }
            }
            if let p = record.policyID, let reason = record.details["disabled"]?.stringValue { disabled[p] = reason }
        case .start:
            if let id = record.details["job_id"]?.stringValue, let job = queued.removeValue(forKey: id) { started[id] = job }
        case .execution:
            if let id = record.details["job_id"]?.stringValue {
                queued[id] = nil
                started[id] = nil
            }
        case .dryRun:
            guard let p = record.policyID else { return }
            if record.severity >= .error { disabled[p] = record.message } else { disabled[p] = nil }
        case .policyRemoved:
            if let p = record.policyID { forget(policy: p) }
        case .commit:
            if record.details["status"]?.stringValue == "applied", let f = record.details["frozen"]?.objectMembers {
                frozen = [:]
                for m in f { frozen[m.key] = m.value.arrayValue?.compactMap(\.stringValue) ?? [] }
            }
        case .recovery:
            return
        }
    }

    /// Drops what is kept about a policy that no longer exists.
    public mutating func forget(policy p: String) {
        lastMatch[p] = nil
        disabled[p] = nil
        let prefix = p + "#"
        holds = holds.filter { !$0.key.hasPrefix(prefix) }
        holdsFired = holdsFired.filter { !$0.hasPrefix(prefix) }
        timersAfter = timersAfter.filter { !$0.key.hasPrefix(prefix) }
        timerAtFired = timerAtFired.filter { !$0.key.hasPrefix(prefix) }
    }

    /// Drops idempotency keys older than any window can reach (30 days).
    public mutating func expire(now: Timestamp) {
        let horizon = now.adding(seconds: -PolicyDuration.maximum.seconds)
        lastExecution = lastExecution.filter { $0.value >= horizon }
    }

    /// What the event does to the state: UPS states and readings, holds, timers.
    /// Returns the triggers it fires: `(policy index, trigger index)`.
    @discardableResult
    mutating func absorb(_ event: Event, set: PolicySet) -> [(Int, Int)] {
        consumed.insert(event.id)
        var fired: [(Int, Int)] = []
        switch event.type {
        case .upsState:
            guard let id = upsID(for: event, set: set), let state = event.upsState else { return [] }
            var status = ups[id] ?? UPSStatus()
            let transition = status.state != state
            if transition {
                status.state = state
                status.stateSince = event.ts
                switch state {
                case .onBattery, .lowBattery: if status.onBatterySince == nil { status.onBatterySince = event.ts }
                case .onMains: status.onBatterySince = nil
                case .commLost: break
                }
            }
            for (m, v) in event.readings { status.readings[m] = v }
            ups[id] = status
            fired += updateHolds(event: event, ups: id, set: set)
            guard transition else { return fired }
            for i in set.byUPSState[state] ?? [] {
                for (t, trigger) in set.policies[i].spec.triggerGroup.triggers.enumerated() where trigger == .upsState(state) {
                    fired.append((i, t))
                }
            }
            arm(set.afterUPSState[state] ?? [], since: .upsState(state), at: event.ts, set: set)
        case .metric:
            guard let id = upsID(for: event, set: set) else { return [] }
            var status = ups[id] ?? UPSStatus()
            for (m, v) in event.readings { status.readings[m] = v }
            ups[id] = status
            fired += updateHolds(event: event, ups: id, set: set)
        case .webhook:
            guard let name = event.webhookName else { return [] }
            for i in set.byWebhook[name] ?? [] {
                for (t, trigger) in set.policies[i].spec.triggerGroup.triggers.enumerated() where trigger == .webhookCustom(name: name) {
                    fired.append((i, t))
                }
            }
            arm(set.afterWebhook[name] ?? [], since: .webhook(name), at: event.ts, set: set)
        case .timerAt, .timerAfter, .metricHold:
            guard let policy = event.attrs["policy"], let t = event.attrs["trigger"].flatMap(Int.init) else { return [] }
            let key = policy + "#" + String(t)
            switch event.type {
            case .timerAt: timerAtFired[key] = event.attrs["occurrence"].flatMap(Timestamp.init(iso8601:)) ?? event.ts
            case .timerAfter: timersAfter[key] = nil
            default: holdsFired.insert(key + "#" + (event.attrs["ups"] ?? ""))
            }
            if let i = set.index(of: policy), t < set.policies[i].spec.triggerGroup.triggers.count { fired.append((i, t)) }
        }
        return fired
    }

    /// Arms (or re-arms) the `timer.after` triggers counting from an event.
    mutating func arm(_ indices: [Int], since: EventReference, at ts: Timestamp, set: PolicySet) {
        for i in indices {
            let p = set.policies[i]
            for (t, trigger) in p.spec.triggerGroup.triggers.enumerated() {
                if case .timerAfter(let after, let s) = trigger, s == since {
                    timersAfter[p.id + "#" + String(t)] = ts.adding(seconds: after.seconds)
                }
            }
        }
    }

    /// Starts and ends metric holds with new readings; thresholds without `for` fire when
    /// their comparison starts to hold.
    mutating func updateHolds(event: Event, ups id: String, set: PolicySet) -> [(Int, Int)] {
        let readings = event.readings
        guard !readings.isEmpty else { return [] }
        var fired: [(Int, Int)] = []
        for i in set.withMetrics {
            let p = set.policies[i]
            for (t, trigger) in p.spec.triggerGroup.triggers.enumerated() {
                guard case .metricThreshold(let m) = trigger, let value = readings[m.metric] else { continue }
                let key = p.id + "#" + String(t) + "#" + id
                if m.op.holds(value, m.value) {
                    if holds[key] == nil {
                        holds[key] = event.ts
                        if m.holdFor.seconds == 0 {
                            holdsFired.insert(key)
                            fired.append((i, t))
                        }
                    }
                } else {
                    holds[key] = nil
                    holdsFired.remove(key)
                }
            }
        }
        return fired
    }

    // MARK: what holds now

    /// True when a trigger holds at `now` (for ALL groups).
    func holds(_ trigger: Trigger, index t: Int, policy p: RuntimePolicy, ups id: String?, firedNow: Bool, now: Timestamp) -> Bool {
        switch trigger {
        case .upsState(let s):
            return id.flatMap { ups[$0]?.state } == s
        case .metricThreshold(let m):
            guard let id, let since = holds[p.id + "#" + String(t) + "#" + id] else { return false }
            return now.milliseconds - since.milliseconds >= m.holdFor.seconds * 1000
        case .timerAt, .timerAfter, .webhookCustom:
            // Instants: they hold only for the event that fires them.
            return firedNow
        }
    }

    /// The value a condition reads, nil when unknown.
    func value(of condition: Condition, ups id: String?, now: Timestamp) -> ConditionValue? {
        guard let id, let status = ups[id] else { return nil }
        switch (condition.scope, condition.field) {
        case (.ups, "state"): return status.state.map { .string($0.rawValue) }
        case (.ups, "on_battery_s"):
            return .number(status.onBatterySince.map { Double(now.milliseconds - $0.milliseconds) / 1000 } ?? 0)
        default:
            guard let metric = Metric(name: condition.field) else { return nil }
            if metric == .runtimeMinutes, status.readings[.runtimeMinutes] == nil, let s = status.readings[.runtimeSeconds] { return .number(s / 60) }
            return status.readings[metric].map { .number($0) }
        }
    }
}

extension ConditionValue {
    /// Compares with `op`; values of different types never hold.
    func compare(_ op: ComparisonOperator, _ other: ConditionValue) -> Bool {
        switch (self, other) {
        case (.number(let a), .number(let b)): return op.holds(a, b)
        case (.string(let a), .string(let b)): return op == .equal ? a == b : op == .notEqual ? a != b : false
        case (.bool(let a), .bool(let b)): return op == .equal ? a == b : op == .notEqual ? a != b : false
        default: return false
        }
    }
}
