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

    public var json: JSON {
        .object([
            "job_id": .string(id), "host_id": .string(hostID), "policy_id": .string(action.policyID),
            "capability": .string(action.capability), "verb": .string(action.verb), "params": action.params,
            "key_hint": action.keyHint.map(JSON.string) ?? .null,
            "targets": .array(targetIDs.map(JSON.string)),
            "keys": .object(keys.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) }),
            "event_id": eventID.map(JSON.string) ?? .null, "correlation_id": correlationID.map(JSON.string) ?? .null,
            "queued_at": .string(queuedAt.iso8601), "expires_after_s": .integer(expiresAfterSeconds),
        ])
    }

    public init?(json: JSON) {
        guard let id = json["job_id"]?.stringValue, let host = json["host_id"]?.stringValue, let policy = json["policy_id"]?.stringValue,
              let capability = json["capability"]?.stringValue, let verb = json["verb"]?.stringValue,
              let targets = json["targets"]?.arrayValue?.compactMap(\.stringValue),
              let queued = json["queued_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        var keys: [String: String] = [:]
        for m in json["keys"]?.objectMembers ?? [] { keys[m.key] = m.value.stringValue }
        self.init(id: id, hostID: host,
                  action: PlannedAction(policyID: policy, capability: capability, verb: verb, params: json["params"] ?? .object([]),
                                        keyHint: json["key_hint"]?.stringValue),
                  targetIDs: targets, keys: keys, eventID: json["event_id"]?.stringValue, correlationID: json["correlation_id"]?.stringValue,
                  queuedAt: queued, expiresAfterSeconds: json["expires_after_s"]?.integerValue ?? 600)
    }
}
