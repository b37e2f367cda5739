import Policy

/// The engine's scheduler: internal events that come due (timers, metric holds).
extension Engine {
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
