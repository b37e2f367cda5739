import Policy

/// One action of one policy on one host's targets, waiting in that host's queue.
public struct ExecutionJob: Sendable, Hashable {
    /// Unique: the event, the policy and the action's index.
    public var id: String
    /// The host it runs on.
    public var hostID: String
    /// What runs.
    public var action: PlannedAction
    /// The targets, canonical ids, in order.
    public var targetIDs: [String]
    /// The idempotency key of each target.
    public var keys: [String: String]
    /// The event that caused it.
    public var eventID: String?
    /// Carried into the records of the execution.
    public var correlationID: String?
    /// When it was decided.
    public var queuedAt: Timestamp
    /// How long it may wait (the policy's idempotency window): a job older than that when
    /// a restart finds it is dropped as expired rather than run late.
    public var expiresAfterSeconds: Int64

    public init(id: String, hostID: String, action: PlannedAction, targetIDs: [String], keys: [String: String],
                eventID: String?, correlationID: String?, queuedAt: Timestamp, expiresAfterSeconds: Int64) {
        self.id = id
        self.hostID = hostID
        self.action = action
        self.targetIDs = targetIDs
        self.keys = keys
        self.eventID = eventID
        self.correlationID = correlationID
        self.queuedAt = queuedAt
        self.expiresAfterSeconds = expiresAfterSeconds
    }

    /// As JSON, whole (the snapshot's queue).
    public var json: JSON { json(targets: true) }

    /// As JSON; without `targets`, the targets and their keys are left to the decision
    /// record's results that name the job (they say the same, once).
    public func json(targets withTargets: Bool) -> JSON {
        var members: [JSON.Member] = [
            .init("capability", .string(action.capability)), .init("correlation_id", correlationID.map(JSON.string) ?? .null),
            .init("event_id", eventID.map(JSON.string) ?? .null), .init("expires_after_s", .integer(expiresAfterSeconds)),
            .init("host_id", .string(hostID)), .init("job_id", .string(id)), .init("key_hint", action.keyHint.map(JSON.string) ?? .null),
        ]
        if withTargets { members.append(.init("keys", .object(keys.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) }))) }
        members += [.init("params", action.params), .init("policy_id", .string(action.policyID)), .init("queued_at", .string(queuedAt.iso8601))]
        if withTargets { members.append(.init("targets", .array(targetIDs.map(JSON.string)))) }
        members.append(.init("verb", .string(action.verb)))
        return .object(members)
    }

    /// A job read back from its JSON; a job written without its targets takes them (in
    /// order) and their keys from `results`, the decision's results that name it.
    public init?(json: JSON, results: [RecordResult] = []) {
        guard let id = json["job_id"]?.stringValue, let host = json["host_id"]?.stringValue, let policy = json["policy_id"]?.stringValue,
              let capability = json["capability"]?.stringValue, let verb = json["verb"]?.stringValue,
              let queued = json["queued_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        var targets: [String]
        var keys: [String: String] = [:]
        if let listed = json["targets"]?.arrayValue {
            targets = listed.compactMap(\.stringValue)
            for m in json["keys"]?.objectMembers ?? [] { keys[m.key] = m.value.stringValue }
        } else {
            targets = []
            for r in results where r.jobID == id {
                targets.append(r.targetID)
                keys[r.targetID] = r.idempotencyKey
            }
            guard !targets.isEmpty else { return nil }
        }
        self.init(id: id, hostID: host,
                  action: PlannedAction(policyID: policy, capability: capability, verb: verb, params: json["params"] ?? .object([]),
                                        keyHint: json["key_hint"]?.stringValue),
                  targetIDs: targets, keys: keys, eventID: json["event_id"]?.stringValue, correlationID: json["correlation_id"]?.stringValue,
                  queuedAt: queued, expiresAfterSeconds: json["expires_after_s"]?.integerValue ?? 600)
    }
}
