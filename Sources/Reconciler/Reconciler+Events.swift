import Engine
import Git
import Hashing
import NUT
import Policy
import PolicyRepository
import Secrets
import Store

/// Event intake: the inbox, due timers and windows, retries of disabled policies and the
/// background discovery of the hosts, each decided by the engine and recorded first.
extension Reconciler {
    // MARK: events

    /// Takes up to 500 inbox entries; true when more wait (the loop comes back at once).
    @discardableResult
    func processInbox() async -> Bool {
        let names: [String]
        do {
            names = try inbox.waiting()
        } catch {
            // Stalled says so (again after an apply cleared it) until the inbox reads again;
            // a stall for another reason (a blocked tip) is not overwritten.
            if status.conditions["Stalled"]?.status != true {
                await stall("InboxUnreadable", "\(error); no event is consumed until the reconciler's user can read it")
            }
            return false
        }
        if let stalled = status.conditions["Stalled"], stalled.status, stalled.reason == "InboxUnreadable" {
            log.info("the inbox is readable again", ["inbox": inbox.folder])
            status.set("Stalled", false, reason: "InboxReadable", message: "", now: clock.now())
            if let applied {
                status.set("Ready", true, reason: "Applied", message: ReconcilerStatus.readyMessage(commit: applied.commit, status.policies), now: clock.now())
            } else {
                status.set("Ready", false, reason: "Initializing", message: "no commit applied yet", now: clock.now())
            }
            await writeStatus()
        }
        let candidates = names.filter { !unremovable.contains($0) }
        for name in candidates.prefix(500) {
            guard fatal == nil, !signals.stopRequested else { return false }
            let intake = InboxIntake(inbox: inbox, clock: clock)
            let engine = self.engine
            switch await intake.take(name, primaryUPS: applied?.set.primaryUPS, hasConsumed: { await engine.hasConsumed($0) }) {
            case .vanished, .consumed:
                continue
            case .rejected(let record, let unremovable):
                if unremovable { self.unremovable.insert(name) }
                _ = await self.record([record])
            case .event(let event):
                guard await handle(event) else { return false }
                inbox.remove(name)
            }
        }
        return candidates.count > 500
    }

    /// Decides, records, and only then queues the executions.
    func handle(_ event: Event) async -> Bool { await handle([event]) }

    /// Events that happen at the same moment are decided together (one inventory refresh
    /// per host) and recorded in one append (one fsync).
    func handle(_ events: [Event]) async -> Bool {
        dueKnown = false
        let outcomes = await engine.process(events)
        let records = outcomes.flatMap(\.records)
        guard await record(records, appliedByEngine: true) else { return false }
        eventsTotal += events.count
        decisionsTotal += records.count - events.count
        for (event, outcome) in zip(events, outcomes) {
            for r in outcome.records where r.kind == .decision {
                log.log(r.severity == .info ? "info" : r.severity.rawValue, r.message, ["policy": r.policyID ?? "", "event": event.id])
            }
        }
        let jobs = outcomes.flatMap(\.jobs)
        if !jobs.isEmpty { await scheduler.enqueue(jobs) }
        if records.contains(where: { $0.details["disabled"] != nil }) { await writeStatus() }
        return true
    }


    func processDue() async {
        let now = clock.now()
        if !dueKnown {
            nextDue = await engine.nextDeadline(now: now)
            dueKnown = true
        }
        guard let due = nextDue, due <= now else { return }
        dueKnown = false
        let events = await engine.dueEvents(now: now)
        // In slices, so that a storm of timers still lets the loop breathe.
        for start in stride(from: 0, to: events.count, by: 500) {
            guard fatal == nil, !signals.stopRequested else { return }
            guard await handle(Array(events[start..<min(start + 500, events.count)])) else { return }
        }
    }

    /// Dry-runs the disabled policies again now and then; one that passes is enabled again.
    func retryDisabled() async {
        let disabled = await engine.disabledPolicies
        guard let set = applied?.set, !disabled.isEmpty else { return }
        let now = clock.now()
        guard let due = retries.round(disabled: disabled.keys, at: now) else { return }
        let policies = due.compactMap { set.policy($0) }
        guard !policies.isEmpty else { return }
        let plans = await dryRun(policies, at: now)
        _ = await record(plans.map { LedgerRecord.dryRun($0, commit: set.commit, at: now) })
        for plan in plans where plan.severity < .error { log.info("dry-run passes again: enabled", ["policy": plan.name]) }
        await writeStatus()
    }

    /// Dry-runs policies through the engine, timed, and notes when each was dry-run.
    func dryRun(_ policies: [RuntimePolicy], at now: Timestamp) async -> [PolicyPlan] {
        let started = ContinuousClock.now
        let plans = await engine.plan(policies)
        dryRunSeconds.observe(since: started)
        retries.dryRan(policies.map(\.id), at: now)
        return plans
    }


    /// Full discovery of every host in the background of the loop, once a minute (and at
    /// every apply), so `inventory/` and `inventory search` stay current.
    func discover() async {
        guard let set = applied?.set else { return }
        let now = MonotonicClock().now()
        if let last = lastDiscovery, now.seconds(since: last) < 60 { return }
        lastDiscovery = now
        for id in set.hosts.keys.sorted() { _ = await engine.refresh(id, full: true) }
        await writeInventories()
    }
}
