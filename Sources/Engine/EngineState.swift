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
    /// `policy#trigger` → the correlation id of the event that armed the `timer.after`
    /// (absent when it had none): the timer's own event carries it (SPEC section 10).
    public var timerCorrelation: [String: String] = [:]
    /// `policy#trigger#ups` → the correlation id of the event that started the hold.
    public var holdCorrelation: [String: String] = [:]
    /// `policy#trigger` → the last `timer.at` occurrence fired.
    public var timerAtFired: [String: Timestamp] = [:]
    /// Policy → when it last matched (suppression window).
    public var lastMatch: [String: Timestamp] = [:]
    /// Idempotency key → when the action was scheduled on the target.
    public var lastExecution: [String: Timestamp] = [:]
    /// Event id → when it was consumed; an event with a known id is not acted on again.
    /// Kept for `consumedRetention` (see `compact(now:)`).
    public var consumed: [String: Timestamp] = [:]
    /// Policy → why it is disabled (a dry-run error), until a dry-run passes.
    public var disabled: [String: String] = [:]
    /// Executions decided and not started.
    public var queued: [String: ExecutionJob] = [:]
    /// Executions started and not finished.
    public var started: [String: ExecutionJob] = [:]
    /// The ledger seq of the last record applied.
    public var lastSeq: Int64 = 0
    /// The ledger chain (hex) of the record at `lastSeq`, when known: a snapshot names the
    /// very record it has seen, so a ledger cut back before it is found out on start.
    public var lastChain: String?
    /// For policies with `dynamic_resolution: false`: the targets resolved when their commit
    /// was applied.
    public var frozen: [String: [String]] = [:]

    public init() {}

    /// Notes that the ledger holds everything through `seq`, whose chain is `chain`.
    public mutating func mark(seq: Int64, chain: String?) {
        guard seq > 0, seq >= lastSeq else { return }
        if seq > lastSeq || chain != nil { lastChain = chain }
        lastSeq = seq
    }

    /// The UPS an event or a condition refers to.
    func upsID(for event: Event, set: PolicySet) -> String? {
        event.subject.kind == "ups" ? event.subject.id : set.primaryUPS ?? ups.keys.sorted().first
    }

    // MARK: applying records

    /// Applies one ledger record (live, or replayed after a restart).
    public mutating func apply(_ record: LedgerRecord, seq: Int64, set: PolicySet) {
        if seq > lastSeq { lastChain = nil }
        lastSeq = max(lastSeq, seq)
        switch record.kind {
        case .event:
            guard let event = record.event else { return }
            absorb(event, set: set)
        case .decision:
            applyDecision(record, jobs: (record.details["jobs"]?.arrayValue ?? []).compactMap { ExecutionJob(json: $0, results: record.results) })
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
            guard record.details["status"]?.stringValue == "applied" else { return }
            // What changed: targets frozen by this commit, and policies no longer frozen.
            for m in record.details["frozen"]?.objectMembers ?? [] { frozen[m.key] = m.value.arrayValue?.compactMap(\.stringValue) ?? [] }
            for id in record.details["unfrozen"]?.arrayValue ?? [] { if let id = id.stringValue { frozen[id] = nil } }
            // A `timer.at` trigger counts its occurrences from the commit that brought it:
            // one that passed before the policy existed never fires.
            for t in set.timerAtTriggers where timerAtFired[t.key] == nil { timerAtFired[t.key] = record.ts }
        case .recovery:
            return
        }
    }

    /// Applies a decision record whose jobs are already read (the engine has them at hand
    /// when it makes the record; a replay reads them from it).
    mutating func applyDecision(_ record: LedgerRecord, jobs: some Sequence<ExecutionJob>) {
        if record.details["matched"]?.boolValue == true, let p = record.policyID { lastMatch[p] = record.ts }
        for r in record.results where r.outcome == "scheduled" { lastExecution[r.idempotencyKey] = record.ts }
        for job in jobs { queued[job.id] = job }
        if let p = record.policyID, let reason = record.details["disabled"]?.stringValue { disabled[p] = reason }
    }

    /// Drops what is kept about a policy that no longer exists.
    public mutating func forget(policy p: String) {
        lastMatch[p] = nil
        disabled[p] = nil
        frozen[p] = nil
        let prefix = p + "#"
        holds = holds.filter { !$0.key.hasPrefix(prefix) }
        holdsFired = holdsFired.filter { !$0.hasPrefix(prefix) }
        timersAfter = timersAfter.filter { !$0.key.hasPrefix(prefix) }
        timerCorrelation = timerCorrelation.filter { !$0.key.hasPrefix(prefix) }
        holdCorrelation = holdCorrelation.filter { !$0.key.hasPrefix(prefix) }
        timerAtFired = timerAtFired.filter { !$0.key.hasPrefix(prefix) }
    }

    /// The latest moment the state has a stamp of (a match, an execution, a consumed event,
    /// a hold, a `timer.at` fired); nil when it has none. A restart's clock never reads
    /// earlier (see `SteadyClock.resume(notBefore:)`).
    public var latestStamp: Timestamp? {
        var latest: Timestamp?
        func consider(_ values: Dictionary<String, Timestamp>.Values) {
            if let m = values.max(), latest.map({ m > $0 }) ?? true { latest = m }
        }
        consider(lastMatch.values)
        consider(lastExecution.values)
        consider(consumed.values)
        consider(holds.values)
        consider(timerAtFired.values)
        return latest
    }

    /// How long the ids of consumed events are remembered: an event sent again with the
    /// same id within this time is not acted on twice.
    public static let consumedRetentionSeconds: Int64 = 86_400

    /// Drops what no decision can read any more: suppression and idempotency stamps older
    /// than the longest window (30 days), and consumed event ids older than a day. Decisions
    /// are the same with or without it; it keeps a long-running reconciler's memory flat.
    public mutating func compact(now: Timestamp) {
        let horizon = now.adding(seconds: -PolicyDuration.maximum.seconds)
        if lastExecution.values.contains(where: { $0 < horizon }) { lastExecution = lastExecution.filter { $0.value >= horizon } }
        if lastMatch.values.contains(where: { $0 < horizon }) { lastMatch = lastMatch.filter { $0.value >= horizon } }
        let consumedHorizon = now.adding(seconds: -Self.consumedRetentionSeconds)
        if consumed.values.contains(where: { $0 < consumedHorizon }) { consumed = consumed.filter { $0.value >= consumedHorizon } }
    }

    /// What the event does to the state: UPS states and readings, holds, timers.
    /// Returns the triggers it fires, `(policy index, trigger index)`, and how many
    /// `timer.after` triggers it armed.
    @discardableResult
    mutating func absorb(_ event: Event, set: PolicySet) -> (fired: [(Int, Int)], armed: Int) {
        consumed[event.id] = event.ts
        var fired: [(Int, Int)] = []
        var armed = 0
        switch event.type {
        case .upsState:
            guard let id = upsID(for: event, set: set), let state = event.upsState else { return ([], 0) }
            var status = ups[id] ?? UPSStatus()
            // A monitor's first reading with nothing saved is measured against the normal
            // state, on mains: `on_mains` then fires and arms nothing (a fresh state directory
            // must not look like a mains-return), while a UPS already on battery is an outage
            // the reconciler must act on, even though it started in the middle of it.
            let baseline = event.isBaseline && status.state == nil && state == .onMains
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
            guard transition, !baseline else { return (fired, 0) }
            fired += set.byUPSState[state] ?? []
            armed = arm(set.afterUPSState[state] ?? [], since: .upsState(state), by: event, set: set)
        case .metric:
            guard let id = upsID(for: event, set: set) else { return ([], 0) }
            var status = ups[id] ?? UPSStatus()
            for (m, v) in event.readings { status.readings[m] = v }
            ups[id] = status
            fired += updateHolds(event: event, ups: id, set: set)
        case .webhook:
            guard let name = event.webhookName else { return ([], 0) }
            fired += set.byWebhook[name] ?? []
            armed = arm(set.afterWebhook[name] ?? [], since: .webhook(name), by: event, set: set)
        case .timerAt, .timerAfter, .metricHold:
            guard let policy = event.attrs["policy"], let t = event.attrs["trigger"].flatMap(Int.init) else { return ([], 0) }
            let index = set.index(of: policy).flatMap { t < set.policies[$0].triggerKeys.count ? $0 : nil }
            let key = index.map { set.policies[$0].triggerKeys[t] } ?? policy + "#" + String(t)
            switch event.type {
            case .timerAt: timerAtFired[key] = event.attrs["occurrence"].flatMap(Timestamp.init(iso8601:)) ?? event.ts
            case .timerAfter:
                timersAfter[key] = nil
                timerCorrelation[key] = nil
            default: holdsFired.insert(key + "#" + (event.attrs["ups"] ?? ""))
            }
            if let i = index { fired.append((i, t)) }
        }
        return (fired, armed)
    }

    /// Arms (or re-arms) the `timer.after` triggers counting from an event; returns how many.
    /// The timer remembers the event's correlation id: the latest event that armed it wins.
    mutating func arm(_ indices: [Int], since: EventReference, by event: Event, set: PolicySet) -> Int {
        var count = 0
        for i in indices {
            let p = set.policies[i]
            for (t, trigger) in p.spec.triggerGroup.triggers.enumerated() {
                if case .timerAfter(let after, let s) = trigger, s == since {
                    timersAfter[p.triggerKeys[t]] = event.ts.adding(seconds: after.seconds)
                    timerCorrelation[p.triggerKeys[t]] = event.correlationID
                    count += 1
                }
            }
        }
        return count
    }

    /// Starts and ends metric holds with new readings; thresholds without `for` fire when
    /// their comparison starts to hold.
    mutating func updateHolds(event: Event, ups id: String, set: PolicySet) -> [(Int, Int)] {
        let readings = event.readings
        guard !readings.isEmpty else { return [] }
        var fired: [(Int, Int)] = []
        for (metric, value) in readings {
            for trigger in set.metricTriggers[metric] ?? [] {
                let m = trigger.threshold
                let key = trigger.key + "#" + id
                if m.op.holds(value, m.value) {
                    if holds[key] == nil {
                        holds[key] = event.ts
                        holdCorrelation[key] = event.correlationID
                        if m.holdFor.seconds == 0 {
                            holdsFired.insert(key)
                            fired.append((trigger.policy, trigger.trigger))
                        }
                    }
                } else {
                    holds[key] = nil
                    if !holdCorrelation.isEmpty { holdCorrelation[key] = nil }
                    if !holdsFired.isEmpty { holdsFired.remove(key) }
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
            guard let id, let since = holds[p.triggerKeys[t] + "#" + id] else { return false }
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
            return .number(status.onBatterySince.map { max(0, Double(now.milliseconds - $0.milliseconds) / 1000) } ?? 0)
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
