import Policy

/// How the engine decides what the policies do about an event.
extension Engine {
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
}
