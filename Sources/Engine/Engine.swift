import Policy

/// What the engine made of one event: the records to append (the consumed event first,
/// then one decision per policy that matched) and the executions to queue. The engine's
/// state already reflects the records; the executions must wait until the caller has made
/// the records durable.
public struct EventOutcome: Sendable {
    public var records: [LedgerRecord]
    public var jobs: [ExecutionJob]
    /// How many policies were weighed (shortlisted) for the event.
    public var shortlisted: Int
}

/// Decides what policies do about events (SPEC section 6): shortlist by trigger kind;
/// order by priority then policy id; ALL/ANY against the current state of each UPS,
/// metric and timer; conditions; the suppression window; dynamic resolution against the
/// inventory; idempotency per target; preflight through the driver's dry-run; and
/// `stop_on_match`. Time reaches it through an injected clock, hosts through drivers.
///
/// The engine owns its `EngineState` and changes it only by applying ledger records: the
/// ones it makes itself in `process(_:)`, and those made elsewhere (commits, dry-runs,
/// executions) through `apply(_:seqs:)`. Replaying the ledger gives the same state.
public actor Engine {
    let drivers: any DriverRegistry
    let clock: any EngineClock
    /// Occurrences of `timer.at` this late (missed while the reconciler was down) still fire.
    let lateTimerGrace: Int64
    public private(set) var set: PolicySet = .empty
    var schedule: TimerSchedule?
    /// The next occurrence of each `timer.at` trigger (as `set.timerAtTriggers`), and the
    /// earliest of them; nil when they must be worked out again.
    var nextTimerAt: [Timestamp?] = []
    var earliestTimerAt: Timestamp?
    /// The last inventory of each host.
    public private(set) var inventories: [String: HostInventory] = [:]
    /// What the engine remembers between events (see `EngineState`).
    public private(set) var state = EngineState()

    /// An engine with its drivers and clock.
    public init(drivers: any DriverRegistry, clock: any EngineClock, lateTimerGraceSeconds: Int64 = 300) {
        self.drivers = drivers
        self.clock = clock
        self.lateTimerGrace = lateTimerGraceSeconds
    }

    /// Each declared host with its driver, looked up once per commit.
    final class HostBinding: Sendable {
        let host: HostDeclaration
        let driver: (any Driver)?
        init(host: HostDeclaration, driver: (any Driver)?) {
            self.host = host
            self.driver = driver
        }
    }
    var bindings: [String: HostBinding] = [:]

    /// Runs `set` from now on.
    public func apply(_ set: PolicySet) {
        self.set = set
        bindings = set.hosts.mapValues { HostBinding(host: $0, driver: drivers.driver(for: $0)) }
        schedule = TimerSchedule(timeZone: set.timeZone) ?? TimerSchedule(timeZone: "UTC")
        nextTimerAt = Array(repeating: nil, count: set.timerAtTriggers.count)
        earliestTimerAt = nil
    }

    // MARK: state

    /// Starts from a state rebuilt elsewhere (a snapshot and the ledger replayed after it).
    public func restore(_ state: EngineState) {
        self.state = state
        earliestTimerAt = nil
    }

    /// Applies records made outside `process(_:)` once they are in the ledger.
    /// `chain`, when given, is the ledger chain of the last of them.
    public func apply(_ records: [LedgerRecord], seqs: [Int64], chain: String? = nil) {
        for (record, seq) in zip(records, seqs) {
            state.apply(record, seq: seq, set: set)
            if record.kind == .event || record.kind == .commit { earliestTimerAt = nil }
        }
        if let last = seqs.last, let chain { state.mark(seq: last, chain: chain) }
    }

    /// Notes that the records of a `process(_:)` call were appended, the last at `seq`
    /// with the ledger chain `chain` (when given).
    public func recorded(through seq: Int64, chain: String? = nil) { state.mark(seq: seq, chain: chain) }

    /// True when an event with this id was already consumed.
    public func hasConsumed(_ eventID: String) -> Bool { state.consumed[eventID] != nil }

    /// Policies disabled until a dry-run passes, with the reason.
    public var disabledPolicies: [String: String] { state.disabled }

    /// Targets frozen for policies with `dynamic_resolution: false`.
    public var frozenTargets: [String: [String]] { state.frozen }

    /// Executions decided and not started, oldest first.
    public var queuedJobs: [ExecutionJob] { state.queued.values.sorted { ($0.queuedAt, $0.id) < ($1.queuedAt, $1.id) } }

    /// The state compacted and written as canonical JSON, for the snapshot file.
    public func snapshot() -> [UInt8] {
        state.compact(now: clock.now())
        return state.json.canonicalBytes
    }

    /// Replaces a host's inventory (a refresh done elsewhere, or a frozen snapshot).
    public func remember(_ inventory: HostInventory) { inventories[inventory.hostID] = inventory }

    // MARK: inventory

    /// A fast refresh of a host through its driver; when it fails or is late the last
    /// inventory is kept and marked stale.
    public func refresh(_ hostID: String, full: Bool = false) async -> HostInventory {
        guard let binding = bindings[hostID], let driver = binding.driver else {
            return HostInventory(hostID: hostID, targets: [], refreshedAt: nil, stale: true, reachable: false,
                                 problem: "no driver for host \(hostID)", problemCode: .capabilityMissing)
        }
        var fresh = await driver.refresh(binding.host, full: full)
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
            let host = set.hosts[t.hostID].map { SelectorQuery.HostFacts(name: $0.name, labels: $0.labels) }
            return (inventory.targets.filter { $0.type == t.targetType && query.matches(nativeID: $0.nativeID, name: $0.name, status: $0.state, labels: $0.labels, host: host) }, [])
        }
        var out: [InventoryTarget] = []
        var missing: [String] = []
        out.reserveCapacity(t.selector.staticIDs.count)
        for id in t.selector.staticIDs {
            if let target = inventory.target(id) {
                out.append(target)
            } else if let named = InventoryTarget.named(id) {
                out.append(named)
            } else {
                missing.append(id)
            }
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

    /// Decides what the policies do about `event`, and applies the records it makes to the
    /// state. When the caller cannot make them durable it must stop without a snapshot:
    /// the ledger, replayed, is the truth.
    public func process(_ event: Event) async -> EventOutcome {
        var inventoriesNow: [String: HostInventory] = [:]
        return await process(event, inventories: &inventoriesNow)
    }

    /// Decides events that happen at the same moment (timers and holds that fell due
    /// together), in order, with one inventory refresh per host for all of them.
    public func process(_ events: [Event]) async -> [EventOutcome] {
        var inventoriesNow: [String: HostInventory] = [:]
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(events.count)
        for event in events { outcomes.append(await process(event, inventories: &inventoriesNow)) }
        return outcomes
    }

    func process(_ event: Event, inventories inventoriesNow: inout [String: HostInventory]) async -> EventOutcome {
        let now = clock.now()
        let (fired, armed) = state.absorb(event, set: set)
        if event.type == .timerAt { earliestTimerAt = nil }
        let upsID = state.upsID(for: event, set: set)
        // Policies in execution order (their index in the set), each with the triggers fired.
        let firings = fired.sorted { $0 < $1 }
        var records: [LedgerRecord] = []
        var jobs: [ExecutionJob] = []
        var matched = 0
        var policiesFired = 0
        for (n, f) in firings.enumerated() where n == 0 || firings[n - 1].0 != f.0 { policiesFired += 1 }
        var next = 0
        while next < firings.count {
            let i = firings[next].0
            var end = next + 1
            while end < firings.count, firings[end].0 == i { end += 1 }
            let firedNow = firings[next..<end]
            next = end
            let p = set.policies[i]
            if p.spec.triggerGroup.logic == .all {
                let all = p.spec.triggerGroup.triggers.enumerated().allSatisfy { t, trigger in
                    state.holds(trigger, index: t, policy: p, ups: upsID, firedNow: firedNow.contains { $0.1 == t }, now: now)
                }
                if !all { continue }
            }
            // Conditions that need the inventory get it once per host per event.
            let hostID = p.spec.targets.hostID
            var holds = true
            for c in p.spec.conditions {
                let value: ConditionValue?
                switch c.scope {
                case .ups, .metric: value = state.value(of: c, ups: upsID, now: now)
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
            var record: LedgerRecord
            var stop = false
            let jobsBefore = jobs.count
            if let reason = state.disabled[p.id] {
                record = decision(p, event, now, .warn, matched: false,
                                  message: "\(p.spec.name) matched but is disabled until a dry-run passes: \(reason)")
            } else if let last = state.lastMatch[p.id], Self.isWithin(last, now, p.spec.suppressionWindow.seconds) {
                record = decision(p, event, now, .info, matched: false,
                                  message: "\(p.spec.name) suppressed-window: it matched \(Int((now.milliseconds - last.milliseconds) / 1000)) s ago, within its \(p.spec.suppressionWindow.spoken) suppression window (\(DiagnosticCode.suppressedWindow.rawValue))",
                                  code: .suppressedWindow, extra: [.init("outcome", .string(Self.suppressedWindow))])
            } else {
                let inv = await inventoryOnce(hostID, &inventoriesNow)
                (record, stop) = await plan(p, event: event, inventory: inv, now: now, jobs: &jobs)
            }
            let stops = stop && p.spec.stopOnMatch
            if stops { noteStop(&record, leaving: firings[next...]) }
            state.applyDecision(record, jobs: jobs[jobsBefore...])
            records.append(record)
            if stops { break }
        }
        records.insert(.consumed(event, at: now, fired: policiesFired, matched: matched, armed: armed), at: 0)
        return EventOutcome(records: records, jobs: jobs, shortlisted: policiesFired)
    }

    /// The label of a decision suppressed by its policy's `suppression_window` (SPEC section 6).
    static let suppressedWindow = "suppressed-window"
    /// How many of the policies a `stop_on_match` left out its record names; the count is whole.
    static let notEvaluatedListed = 100

    /// Writes into the decision of a policy whose `stop_on_match` ends the evaluation which
    /// shortlisted policies it leaves out (`rest`: the firings after its own, in the order
    /// they would have run); nothing when it is the last.
    func noteStop(_ record: inout LedgerRecord, leaving rest: ArraySlice<(Int, Int)>) {
        var left: [RuntimePolicy] = []
        var count = 0
        var previous: Int?
        for (i, _) in rest where i != previous {
            previous = i
            count += 1
            if left.count < Self.notEvaluatedListed { left.append(set.policies[i]) }
        }
        guard count > 0, case .object(var members) = record.details else { return }
        members.append(.init("stop_on_match", .object([
            "stopped": .bool(true),
            "not_evaluated": .array(left.map { .object(["policy_id": .string($0.id), "name": .string($0.spec.name)]) }),
            "not_evaluated_count": .integer(Int64(count)),
        ])))
        let names = left.prefix(5).map(\.spec.name).joined(separator: ", ") + (count > 5 ? ", ..." : "")
        let message = record.message + "; stop_on_match: \(Plural.count(count, "shortlisted policy", "shortlisted policies")) not evaluated (\(names))"
        record.details = .object(members)
        record.message = message
    }

    /// True when `last` is within a window of `seconds` before `now`. A stamp later than
    /// `now` (a clock that went back) is within no window: its age is unknown, and a window
    /// must never hold back an action on a guess.
    static func isWithin(_ last: Timestamp, _ now: Timestamp, _ seconds: Int64) -> Bool {
        let age = now.milliseconds - last.milliseconds
        return age >= 0 && age < seconds * 1000
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

    /// `used_inventory` of a decision; the same for every decision that used one refresh.
    func usedInventory(_ inv: HostInventory) -> JSON {
        if let memo = usedInventoryMemo, memo.host == inv.hostID, memo.refreshedAt == inv.refreshedAt, memo.stale == inv.stale { return memo.json }
        let json = JSON.object(["refreshed": .bool(inv.refreshedAt != nil), "stale": .bool(inv.stale), "ts": inv.refreshedAt.map { .string($0.iso8601) } ?? .null])
        usedInventoryMemo = (inv.hostID, inv.refreshedAt, inv.stale, json)
        return json
    }
    var usedInventoryMemo: (host: String, refreshedAt: Timestamp?, stale: Bool, json: JSON)?

    /// Resolution, idempotency and preflight for a matched policy; the executions it schedules.
    func plan(_ p: RuntimePolicy, event: Event, inventory inv: HostInventory, now: Timestamp,
              jobs: inout [ExecutionJob]) async -> (LedgerRecord, Bool) {
        let (targets, missing) = resolve(p, in: inv)
        var extra: [JSON.Member] = [.init("used_inventory", usedInventory(inv))]
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
        guard let binding = bindings[p.spec.targets.hostID], let driver = binding.driver else {
            let reason = "no driver for host \(p.spec.targets.hostID); validate the repository again"
            return (decision(p, event, now, .error, matched: true, message: "\(p.spec.name): \(reason)", code: .capabilityMissing,
                             extra: extra + [.init("disabled", .string(reason))]), false)
        }
        let host = binding.host
        var results: [RecordResult] = []
        var newJobs: [ExecutionJob] = []
        var disabledReason: String?
        for (a, (action, keyMaker)) in p.actions.enumerated() {
            let spec = p.spec.actions[a]
            guard driver.capabilities.contains(where: { $0.id == spec.capabilityID }) else {
                disabledReason = "capability \(spec.capabilityID) is missing from the \(host.driver.rawValue) driver at run time; validate the repository again"
                break
            }
            // Targets outside the idempotency window, each with its key.
            var fresh: [(target: InventoryTarget, key: String)] = []
            fresh.reserveCapacity(targets.count)
            results.reserveCapacity(results.count + targets.count)
            // Targets of one action usually ran together: their sentence is written once.
            var suppressed: (last: Timestamp, detail: String)?
            for target in targets {
                let key = keyMaker.key(targetID: target.id)
                if let last = state.lastExecution[key], Self.isWithin(last, now, p.spec.idempotencyWindow.seconds) {
                    if suppressed?.last != last {
                        suppressed = (last, "the same action ran \(Int((now.milliseconds - last.milliseconds) / 1000)) s ago, within the \(p.spec.idempotencyWindow.spoken) idempotency window")
                    }
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .info,
                                                outcome: "suppressed-idempotent", idempotencyKey: key, detail: suppressed?.detail))
                } else {
                    fresh.append((target, key))
                }
            }
            guard !fresh.isEmpty else { continue }
            let dry = await driver.dryRun(host, action: action, targets: fresh.map(\.target), inventory: inv)
            if !dry.ok {
                disabledReason = dry.reason ?? "dry-run failed"
                for (target, key) in fresh {
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: dry.severity,
                                                outcome: "preflight-failed", idempotencyKey: key, detail: dry.reason))
                }
                break
            }
            // Drivers answer in the order asked; any other order is looked up by id.
            let inOrder = dry.perTarget.count == fresh.count && zip(dry.perTarget, fresh).allSatisfy { $0.id == $1.target.id }
            let effects = inOrder ? [:] : Dictionary(dry.perTarget.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var scheduled: [(target: InventoryTarget, key: String)] = []
            var already: (state: String, detail: String)?
            for (n, (target, key)) in fresh.enumerated() {
                if let e = inOrder ? dry.perTarget[n] : effects[target.id], e.isNoOp {
                    if let note = e.note {
                        results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .warn,
                                                    outcome: "skipped", idempotencyKey: key, detail: note))
                        continue
                    }
                    if already?.state != e.to { already = (e.to, "already " + e.to) }
                    results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .info,
                                                outcome: "already-in-state", idempotencyKey: key, detail: already?.detail))
                } else {
                    scheduled.append((target, key))
                }
            }
            guard !scheduled.isEmpty else { continue }
            var keys: [String: String] = [:]
            keys.reserveCapacity(scheduled.count)
            for (target, key) in scheduled { keys[target.id] = key }
            let job = ExecutionJob(id: event.id + "/" + p.id + "/" + String(a), hostID: host.id, action: action, targetIDs: scheduled.map(\.target.id),
                                   keys: keys, eventID: event.id, correlationID: event.correlationID,
                                   queuedAt: now, expiresAfterSeconds: max(p.spec.idempotencyWindow.seconds, 60))
            for (target, key) in scheduled {
                results.append(RecordResult(targetID: target.id, capability: spec.capabilityID, verb: spec.verb, severity: .info, outcome: "scheduled",
                                            idempotencyKey: key, jobID: job.id))
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
        if !missing.isEmpty { message += "; \(Plural.count(missing.count, "selected target")) \(missing.count == 1 ? "is" : "are") not in the inventory (\(DiagnosticCode.targetNotFound.rawValue))" }
        var least: Severity = missing.isEmpty ? .info : .warn
        // Stale inventory is a warn here as in `plan` (SPEC §4): the decision says so.
        let staleness = inv.staleFinding(hostName: host.name)
        if let staleness {
            message += "; \(staleness.message) (\(staleness.code.rawValue))"
            least = max(least, staleness.code.severity)
        }
        return (decision(p, event, now, max(severity, least), matched: true, message: message, code: staleness?.code, results: results,
                         extra: extra + [.init("jobs", .array(newJobs.map { $0.json(targets: false) }))]), scheduledCount > 0)
    }

    // MARK: the scheduler

    /// The internal events due at `now`: `timer.at` occurrences, `timer.after` deadlines and
    /// `metric.threshold` holds that have lasted their `for`. Events already consumed are left out.
    public func dueEvents(now: Timestamp) -> [Event] {
        let s = state
        // Ordered by time, then as the policies run (priority, then id); the id settles the rest.
        var due: [(ts: Timestamp, order: Int, event: Event)] = []
        func order(_ policy: String, _ trigger: Int) -> Int { set.index(of: policy).map { $0 * 256 + min(trigger, 255) } ?? Int.max }
        for (key, deadline) in s.timersAfter where deadline <= now {
            let (policy, trigger) = split(key)
            let index = set.index(of: policy)
            let attrs = index.flatMap { trigger < set.policies[$0].triggerAttrs.count ? set.policies[$0].triggerAttrs[trigger] : nil }
            due.append((deadline, index.map { $0 * 256 + min(trigger, 255) } ?? Int.max,
                        internalEvent(.timerAfter, kind: "after", policy: policy, trigger: trigger, ts: deadline, extra: [:], attrs: attrs,
                                      correlationID: s.timerCorrelation[key])))
        }
        for (key, since) in s.holds where !s.holdsFired.contains(key) {
            let parts = key.split(separator: "#", omittingEmptySubsequences: false)
            guard parts.count == 3, let p = set.policy(String(parts[0])), let t = Int(parts[1]),
                  t < p.spec.triggerGroup.triggers.count, case .metricThreshold(let m) = p.spec.triggerGroup.triggers[t] else { continue }
            let at = since.adding(seconds: m.holdFor.seconds)
            if at <= now {
                due.append((at, order(p.id, t), internalEvent(.metricHold, kind: m.metric.rawValue, policy: p.id, trigger: t, ts: at, extra: ["ups": String(parts[2])],
                                                              correlationID: s.holdCorrelation[key])))
            }
        }
        if let earliest = timerAtOccurrences(now: now), earliest <= now {
            for (n, t) in set.timerAtTriggers.enumerated() {
                guard let next = nextTimerAt[n], next <= now else { continue }
                due.append((now, t.policy * 256 + min(t.trigger, 255),
                            internalEvent(.timerAt, kind: "at", policy: set.policies[t.policy].id, trigger: t.trigger, ts: now, extra: ["occurrence": next.iso8601])))
            }
        }
        due.removeAll { s.consumed[$0.event.id] != nil }
        due.sort { a, b in
            if a.ts != b.ts { return a.ts < b.ts }
            if a.order != b.order { return a.order < b.order }
            return a.event.id < b.event.id
        }
        return due.map(\.event)
    }

    /// The next moment something is due, nil when nothing is armed.
    public func nextDeadline(now: Timestamp) -> Timestamp? {
        let s = state
        var next: Timestamp?
        func consider(_ t: Timestamp) { if next == nil || t < next! { next = t } }
        for (_, d) in s.timersAfter { consider(d) }
        for (key, since) in s.holds where !s.holdsFired.contains(key) {
            let parts = key.split(separator: "#", omittingEmptySubsequences: false)
            if parts.count == 3, let p = set.policy(String(parts[0])), let t = Int(parts[1]), t < p.spec.triggerGroup.triggers.count,
               case .metricThreshold(let m) = p.spec.triggerGroup.triggers[t] { consider(since.adding(seconds: m.holdFor.seconds)) }
        }
        if let earliest = timerAtOccurrences(now: now) { consider(earliest) }
        return next
    }

    /// Brings the next occurrence of every `timer.at` trigger up to date and returns the
    /// earliest. An occurrence counts from the later of the last one fired (or, for a
    /// trigger that never fired, the commit that brought it) and `now` minus the grace for
    /// late timers, so an occurrence missed while the reconciler was down still fires if it
    /// is late by less than the grace.
    func timerAtOccurrences(now: Timestamp) -> Timestamp? {
        guard let schedule, !set.timerAtTriggers.isEmpty else { return nil }
        if let earliest = earliestTimerAt, earliest > now { return earliest }
        let graceFloor = now.adding(seconds: -lateTimerGrace)
        var earliest: Timestamp?
        for (n, t) in set.timerAtTriggers.enumerated() {
            let floor = max(state.timerAtFired[t.key] ?? now, graceFloor)
            let next: Timestamp
            if let cached = nextTimerAt[n], cached > floor { next = cached } else {
                next = schedule.next(t.schedule, after: floor)
                nextTimerAt[n] = next
            }
            if earliest == nil || next < earliest! { earliest = next }
        }
        earliestTimerAt = earliest
        return earliest
    }

    /// `policy#trigger` → its parts.
    func split(_ key: String) -> (String, Int) {
        guard let hash = key.lastIndex(of: "#") else { return (key, 0) }
        return (String(key[..<hash]), Int(key[key.index(after: hash)...]) ?? 0)
    }

    /// An event of the engine's own; `attrs`, when given, are the trigger's (`policy`, `trigger`), made once per policy.
    /// `correlationID` is the one of the event that armed it (none for `timer.at`).
    func internalEvent(_ type: EventType, kind: String, policy: String, trigger: Int, ts: Timestamp, extra: [String: String],
                       attrs known: [String: String]? = nil, correlationID: String? = nil) -> Event {
        var attrs: [String: String]
        if let known, extra.isEmpty {
            attrs = known
        } else {
            attrs = extra
            attrs["policy"] = policy
            attrs["trigger"] = String(trigger)
        }
        let stamp = extra["occurrence"] ?? ts.iso8601
        return Event(id: type.rawValue + "-" + policy + "-" + String(trigger) + "-" + stamp, type: type, kind: kind,
                     subject: Subject(kind: "policy", id: policy), attrs: attrs, ts: ts, correlationID: correlationID)
    }
}
