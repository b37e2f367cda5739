import Policy

/// What a ledger record says happened.
public enum RecordKind: String, Sendable, Hashable, CaseIterable {
    /// An event was consumed (from the inbox or the scheduler).
    case event
    /// A policy matched an event (or was suppressed, or found nothing to do); its
    /// `scheduled` results are the intents of the executions to come.
    case decision
    /// An execution is about to call its driver.
    case start
    /// An execution finished (or was interrupted by a restart, or expired).
    case execution
    /// A commit was applied, or refused because of blockers.
    case commit
    /// A dry-run of a policy (on apply, on retry, or by `plan`).
    case dryRun = "dry-run"
    /// A policy stopped because its file was removed.
    case policyRemoved = "policy-removed"
    /// The reconciler recovered on start (a torn ledger tail, interrupted executions).
    case recovery
}

/// One target's line in a record.
public struct RecordResult: Sendable, Hashable {
    public var targetID: String
    public var capability: String
    public var verb: String
    public var severity: Severity
    /// `scheduled`, `suppressed-idempotent`, `already-in-state`, `succeeded`, `failed`, `interrupted`, ...
    public var outcome: String
    public var idempotencyKey: String
    /// The execution this result belongs to.
    public var jobID: String?
    public var detail: String?

    public init(targetID: String, capability: String, verb: String, severity: Severity, outcome: String,
                idempotencyKey: String, jobID: String? = nil, detail: String? = nil) {
        self.targetID = targetID
        self.capability = capability
        self.verb = verb
        self.severity = severity
        self.outcome = outcome
        self.idempotencyKey = idempotencyKey
        self.jobID = jobID
        self.detail = detail
    }

    var json: JSON {
        // In canonical order already, so writing it sorts nothing.
        var m: [JSON.Member] = [.init("capability", .string(capability))]
        if let detail { m.append(.init("detail", .string(detail))) }
        m.append(.init("idempotency_key", .string(idempotencyKey)))
        if let jobID { m.append(.init("job_id", .string(jobID))) }
        m += [.init("outcome", .string(outcome)), .init("severity", .string(severity.rawValue)), .init("target_id", .string(targetID)),
              .init("verb", .string(verb))]
        return .object(m)
    }

    /// The canonical bytes of `json`.
    func writeCanonical(into out: inout [UInt8]) {
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        raw("{\"capability\":")
        JSON.writeString(capability, into: &out)
        if let detail {
            raw(",\"detail\":")
            JSON.writeString(detail, into: &out)
        }
        raw(",\"idempotency_key\":")
        JSON.writeString(idempotencyKey, into: &out)
        if let jobID {
            raw(",\"job_id\":")
            JSON.writeString(jobID, into: &out)
        }
        raw(",\"outcome\":")
        JSON.writeString(outcome, into: &out)
        raw(",\"severity\":")
        JSON.writeString(severity.rawValue, into: &out)
        raw(",\"target_id\":")
        JSON.writeString(targetID, into: &out)
        raw(",\"verb\":")
        JSON.writeString(verb, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    init?(json: JSON) {
        guard let t = json["target_id"]?.stringValue, let c = json["capability"]?.stringValue, let v = json["verb"]?.stringValue,
              let s = json["severity"]?.stringValue.flatMap(Severity.init(rawValue:)), let o = json["outcome"]?.stringValue,
              let k = json["idempotency_key"]?.stringValue else { return nil }
        self.init(targetID: t, capability: c, verb: v, severity: s, outcome: o, idempotencyKey: k,
                  jobID: json["job_id"]?.stringValue, detail: json["detail"]?.stringValue)
    }
}

/// One decision or fact the reconciler records (SPEC section 10): every consumed event,
/// every decision, execution, dry-run and commit. The ledger adds `seq` and the chain.
public struct LedgerRecord: Sendable {
    public var kind: RecordKind
    public var ts: Timestamp
    public var severity: Severity
    public var policyID: String?
    public var commit: String?
    public var correlationID: String?
    public var eventID: String?
    public var results: [RecordResult]
    /// The message and details as given, or the event a record of a consumed event is
    /// about: its sentence and JSON are written when asked for (in the ledger, once),
    /// not when the engine decides.
    private var body: Body

    enum Body: Sendable {
        case given(message: String, details: JSON)
        case consumed(Event, fired: Int, matched: Int, armed: Int)
    }

    /// A sentence for people.
    public var message: String {
        get {
            switch body {
            case .given(let message, _): return message
            case .consumed(let event, let fired, let matched, let armed):
                return "\(event.type.rawValue) \(event.kind) on \(event.subject.kind):\(event.subject.id): \(Plural.count(fired, "policy", "policies")) fired, \(matched) matched"
                    + (armed > 0 ? ", \(Plural.count(armed, "timer")) armed" : "")
            }
        }
        set { body = .given(message: newValue, details: details) }
    }

    /// Kind-specific facts: the event, the job, the dry-run, the reason.
    public var details: JSON {
        get {
            switch body {
            case .given(_, let details): return details
            case .consumed(let event, let fired, let matched, _):
                return .object(["event": event.json, "fired": .integer(Int64(fired)), "matched": .integer(Int64(matched))])
            }
        }
        set { body = .given(message: message, details: newValue) }
    }

    public init(kind: RecordKind, ts: Timestamp, severity: Severity, policyID: String? = nil, commit: String? = nil,
                correlationID: String? = nil, eventID: String? = nil, results: [RecordResult] = [], message: String,
                details: JSON = .object([])) {
        self.kind = kind
        self.ts = ts
        self.severity = severity
        self.policyID = policyID
        self.commit = commit
        self.correlationID = correlationID
        self.eventID = eventID
        self.results = results
        body = .given(message: message, details: details)
    }

    /// The record of a consumed event: how many policies it fired and how many matched, and
    /// how many `timer.after` triggers it armed.
    public static func consumed(_ event: Event, at ts: Timestamp, fired: Int, matched: Int, armed: Int) -> LedgerRecord {
        var record = LedgerRecord(kind: .event, ts: ts, severity: .info, correlationID: event.correlationID, eventID: event.id, message: "")
        record.body = .consumed(event, fired: fired, matched: matched, armed: armed)
        return record
    }

    /// The record of a dry-run: one result per target, and the transcript in its details.
    /// A dry-run with errors disables its policy until a later one passes.
    public static func dryRun(_ plan: PolicyPlan, commit: String, at ts: Timestamp) -> LedgerRecord {
        let summaries = plan.actions.map(\.result.summary).joined(separator: "; ")
        let message: String
        if plan.severity >= .error {
            let problem = plan.findings.first { $0.code.severity >= .error }?.message ?? plan.actions.first { !$0.result.ok }?.result.reason
            message = "dry-run of \(plan.name) failed: \(problem ?? "error"); the policy is disabled until a dry-run passes"
        } else {
            message = "dry-run of \(plan.name): " + (summaries.isEmpty ? (plan.findings.first?.message ?? "nothing to do") : summaries)
        }
        let results = plan.actions.flatMap { a in
            let effects = Dictionary(a.result.perTarget.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return a.targets.map { t in
                let effect = effects[t.id]
                return RecordResult(targetID: t.id, capability: a.action.capability, verb: a.action.verb, severity: a.result.severity,
                                    outcome: effect.map { $0.isNoOp ? "already-in-state" : "would-change" } ?? (a.result.ok ? "would-change" : "blocked"),
                                    idempotencyKey: t.key, detail: effect.map { "\($0.from) → \($0.to)" } ?? a.result.reason)
            }
        }
        return LedgerRecord(kind: .dryRun, ts: ts, severity: plan.severity, policyID: plan.policyID, commit: commit,
                            results: results, message: message, details: plan.json)
    }

    /// The event of a record of a consumed event, nil for other records.
    public var event: Event? {
        if case .consumed(let event, _, _, _) = body { return event }
        return details["event"].flatMap(Event.init(json:))
    }

    /// The record's JSON (without `seq`, which the ledger assigns).
    public var json: JSON {
        .object([  // in canonical order
            "commit": commit.map(JSON.string) ?? .null, "correlation_id": correlationID.map(JSON.string) ?? .null, "details": details,
            "event_id": eventID.map(JSON.string) ?? .null, "kind": .string(kind.rawValue), "message": .string(message),
            "policy_id": policyID.map(JSON.string) ?? .null, "results": .array(results.map(\.json)), "severity": .string(severity.rawValue),
            "ts": .string(ts.iso8601),
        ])
    }

    /// The canonical bytes of `json`, written directly: records are written by the
    /// thousand, and most of their bytes are results.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + results.count * 300)
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func text(_ v: String?) { if let v { JSON.writeString(v, into: &out) } else { raw("null") } }
        raw("{\"commit\":")
        text(commit)
        raw(",\"correlation_id\":")
        text(correlationID)
        raw(",\"details\":")
        switch body {
        case .given(_, let details): details.writeCanonical(into: &out)
        case .consumed(let event, let fired, let matched, _):
            raw("{\"event\":")
            event.writeCanonical(into: &out)
            raw(",\"fired\":")
            out.append(contentsOf: String(fired).utf8)
            raw(",\"matched\":")
            out.append(contentsOf: String(matched).utf8)
            out.append(UInt8(ascii: "}"))
        }
        raw(",\"event_id\":")
        text(eventID)
        raw(",\"kind\":")
        text(kind.rawValue)
        raw(",\"message\":")
        text(message)
        raw(",\"policy_id\":")
        text(policyID)
        raw(",\"results\":[")
        for (i, r) in results.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            r.writeCanonical(into: &out)
        }
        raw("],\"severity\":")
        text(severity.rawValue)
        raw(",\"ts\":")
        text(ts.iso8601)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Reads a record back; nil when malformed.
    public init?(json: JSON) {
        guard let kind = json["kind"]?.stringValue.flatMap(RecordKind.init(rawValue:)),
              let ts = json["ts"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
              let severity = json["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) else { return nil }
        var results: [RecordResult] = []
        for r in json["results"]?.arrayValue ?? [] {
            guard let result = RecordResult(json: r) else { return nil }
            results.append(result)
        }
        self.init(kind: kind, ts: ts, severity: severity, policyID: json["policy_id"]?.stringValue, commit: json["commit"]?.stringValue,
                  correlationID: json["correlation_id"]?.stringValue, eventID: json["event_id"]?.stringValue, results: results,
                  message: json["message"]?.stringValue ?? "", details: json["details"] ?? .object([]))
    }
}
