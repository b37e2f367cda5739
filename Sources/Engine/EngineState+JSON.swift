import Policy

extension EngineState {
    /// The state as JSON, for the snapshot `engine-state.json`.
    public var json: JSON {
        func stamps(_ d: [String: Timestamp]) -> JSON {
            .object(d.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value.iso8601)) })
        }
        func texts(_ d: [String: String]) -> JSON {
            .object(d.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) })
        }
        return .object([
            "last_seq": .integer(lastSeq),
            "last_chain": lastChain.map(JSON.string) ?? .null,
            "ups": .object(ups.sorted { $0.key < $1.key }.map { id, u in
                JSON.Member(id, .object([
                    "state": u.state.map { .string($0.rawValue) } ?? .null,
                    "state_since": u.stateSince.map { .string($0.iso8601) } ?? .null,
                    "on_battery_since": u.onBatterySince.map { .string($0.iso8601) } ?? .null,
                    "readings": .object(u.readings.sorted { $0.key.rawValue < $1.key.rawValue }.map { JSON.Member($0.key.rawValue, .number($0.value)) }),
                ]))
            }),
            "holds": stamps(holds),
            "holds_fired": .array(holdsFired.sorted().map(JSON.string)),
            "timers_after": stamps(timersAfter),
            "timers_after_correlation": texts(timerCorrelation),
            "holds_correlation": texts(holdCorrelation),
            "timer_at_fired": stamps(timerAtFired),
            "last_match": stamps(lastMatch),
            "last_execution": stamps(lastExecution),
            "consumed": stamps(consumed),
            "disabled": .object(disabled.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) }),
            "queued": .array(queued.values.sorted { $0.id < $1.id }.map(\.json)),
            "started": .array(started.values.sorted { $0.id < $1.id }.map(\.json)),
            "frozen": .object(frozen.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .array($0.value.map(JSON.string))) }),
        ])
    }

    /// A state read back from its JSON; nil when malformed.
    public init?(json: JSON) {
        func stamps(_ j: JSON?) -> [String: Timestamp]? {
            guard let members = j?.objectMembers else { return nil }
            var out: [String: Timestamp] = [:]
            for m in members {
                guard let t = m.value.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
                out[m.key] = t
            }
            return out
        }
        guard let seq = json["last_seq"]?.integerValue, let upsJSON = json["ups"]?.objectMembers,
              let holds = stamps(json["holds"]), let after = stamps(json["timers_after"]), let atFired = stamps(json["timer_at_fired"]),
              let lastMatch = stamps(json["last_match"]), let lastExecution = stamps(json["last_execution"]) else { return nil }
        self.init()
        lastSeq = seq
        // Absent from snapshots written before the chain was kept.
        lastChain = json["last_chain"]?.stringValue
        for m in upsJSON {
            var u = UPSStatus()
            u.state = m.value["state"]?.stringValue.flatMap(UPSState.init(rawValue:))
            u.stateSince = m.value["state_since"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            u.onBatterySince = m.value["on_battery_since"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            for r in m.value["readings"]?.objectMembers ?? [] {
                if let metric = Metric(rawValue: r.key), let v = r.value.doubleValue { u.readings[metric] = v }
            }
            ups[m.key] = u
        }
        self.holds = holds
        holdsFired = Set(json["holds_fired"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        timersAfter = after
        // Absent from snapshots written before correlation ids were kept.
        for m in json["timers_after_correlation"]?.objectMembers ?? [] { timerCorrelation[m.key] = m.value.stringValue }
        for m in json["holds_correlation"]?.objectMembers ?? [] { holdCorrelation[m.key] = m.value.stringValue }
        timerAtFired = atFired
        self.lastMatch = lastMatch
        self.lastExecution = lastExecution
        consumed = stamps(json["consumed"]) ?? [:]
        for m in json["disabled"]?.objectMembers ?? [] { disabled[m.key] = m.value.stringValue }
        for j in json["queued"]?.arrayValue ?? [] { if let job = ExecutionJob(json: j) { queued[job.id] = job } }
        for j in json["started"]?.arrayValue ?? [] { if let job = ExecutionJob(json: j) { started[job.id] = job } }
        for m in json["frozen"]?.objectMembers ?? [] { frozen[m.key] = m.value.arrayValue?.compactMap(\.stringValue) ?? [] }
    }
}
