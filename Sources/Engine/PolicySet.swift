import Policy

/// A policy as the engine runs it. A class: the engine hands policies around on every
/// decision, and a reference costs one count where the spec's many fields cost one each.
public final class RuntimePolicy: Sendable {
    /// Its file.
    public let path: String
    /// The compiled policy (from a verified IR object).
    public let compiled: CompiledPolicy
    /// The IR object's address (`sha256:...`).
    public let ir: String
    /// For `dynamic_resolution: false`: the targets resolved when the commit was applied.
    public let frozenTargets: [String]?
    /// The policy's id.
    public let id: String
    /// Its actions as drivers take them, each with the maker of its idempotency keys.
    let actions: [(planned: PlannedAction, keys: IdempotencyKey)]
    /// `policy#trigger` for each trigger: the keys of armed timers and holds.
    let triggerKeys: [String]
    /// `{"policy", "trigger"}` for each trigger: the attributes of the events the engine makes for it.
    let triggerAttrs: [[String: String]]

    /// The same policy with other frozen targets.
    public func freezing(_ targets: [String]) -> RuntimePolicy { RuntimePolicy(self, frozenTargets: targets) }

    private init(_ p: RuntimePolicy, frozenTargets: [String]) {
        path = p.path
        compiled = p.compiled
        ir = p.ir
        self.frozenTargets = frozenTargets
        id = p.id
        actions = p.actions
        triggerKeys = p.triggerKeys
        triggerAttrs = p.triggerAttrs
    }

    public init(path: String, compiled: CompiledPolicy, ir: String, frozenTargets: [String]? = nil) {
        self.path = path
        self.compiled = compiled
        self.ir = ir
        self.frozenTargets = frozenTargets
        id = compiled.policyID
        triggerKeys = compiled.spec.triggerGroup.triggers.indices.map { compiled.policyID + "#" + String($0) }
        triggerAttrs = compiled.spec.triggerGroup.triggers.indices.map { ["policy": compiled.policyID, "trigger": String($0)] }
        actions = compiled.spec.actions.map { spec in
            let planned = PlannedAction(policyID: compiled.policyID, capability: spec.capabilityID, verb: spec.verb, params: spec.params, keyHint: spec.keyHint)
            return (planned, IdempotencyKey(action: planned, hostID: compiled.spec.targets.hostID))
        }
    }


    public var spec: PolicySpec { compiled.spec }
}

/// The policies of the applied commit, indexed so an event reaches only the policies whose
/// triggers can match it, in execution order (priority, then policy id).
public struct PolicySet: Sendable {
    /// The applied commit.
    public var commit: String
    /// Enabled policies in execution order.
    public private(set) var policies: [RuntimePolicy]
    /// Declared hosts by id.
    public var hosts: [String: HostDeclaration]
    /// Declared UPSes.
    public var ups: [UPSDeclaration]
    /// The time zone of `timer.at`.
    public var timeZone: String

    /// `(policy index, trigger index)` of the triggers each UPS state fires, in policy order.
    private(set) var byUPSState: [UPSState: [(Int, Int)]] = [:]
    private(set) var withMetrics: [Int] = []
    /// `(policy index, trigger index)` of the triggers each external event fires.
    private(set) var byWebhook: [String: [(Int, Int)]] = [:]
    private(set) var afterUPSState: [UPSState: [Int]] = [:]
    private(set) var afterWebhook: [String: [Int]] = [:]
    private(set) var withTimerAt: [Int] = []
    /// Every `timer.at` trigger, with its state key (`policy#trigger`).
    private(set) var timerAtTriggers: [TimerAtTrigger] = []
    /// The `metric.threshold` triggers by the metric they read.
    private(set) var metricTriggers: [Metric: [MetricTrigger]] = [:]
    private(set) var indexByID: [String: Int] = [:]

    /// Builds the set from compiled policies (disabled ones are left out).
    public init(commit: String, policies: [RuntimePolicy], hosts: [HostDeclaration], ups: [UPSDeclaration], timeZone: String) {
        self.commit = commit
        // Sorted on keys read once (the spec is behind a reference).
        var keyed = policies.compactMap { p in p.spec.enabled ? (priority: p.spec.priority, id: p.id, policy: p) : nil }
        keyed.sort { $0.priority != $1.priority ? $0.priority < $1.priority : $0.id < $1.id }
        self.policies = keyed.map(\.policy)
        indexByID.reserveCapacity(keyed.count)
        self.hosts = Dictionary(hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.ups = ups.sorted { $0.id < $1.id }
        self.timeZone = timeZone
        for (i, p) in self.policies.enumerated() {
            indexByID[p.id] = i
            var metric = false, timerAt = false
            let triggers = p.spec.triggerGroup.triggers
            for (n, t) in triggers.enumerated() {
                switch t {
                case .upsState(let s): byUPSState[s, default: []].append((i, n))
                case .metricThreshold: metric = true
                case .webhookCustom(let name): byWebhook[name, default: []].append((i, n))
                case .timerAt: timerAt = true
                case .timerAfter(_, let since):
                    switch since {
                    case .upsState(let s): afterUPSState[s, default: []].append(i)
                    case .webhook(let name): afterWebhook[name, default: []].append(i)
                    }
                }
            }
            if metric {
                withMetrics.append(i)
                for (t, trigger) in triggers.enumerated() {
                    if case .metricThreshold(let m) = trigger {
                        metricTriggers[m.metric, default: []].append(MetricTrigger(policy: i, trigger: t, threshold: m, key: p.triggerKeys[t]))
                    }
                }
            }
            if timerAt {
                withTimerAt.append(i)
                for (t, trigger) in triggers.enumerated() {
                    if case .timerAt(let schedule) = trigger {
                        timerAtTriggers.append(TimerAtTrigger(policy: i, trigger: t, key: p.triggerKeys[t], schedule: schedule))
                    }
                }
            }
        }
    }

    /// An empty set (nothing applied yet).
    public static let empty = PolicySet(commit: "", policies: [], hosts: [], ups: [], timeZone: "UTC")

    /// The policy with id `id`.
    public func policy(_ id: String) -> RuntimePolicy? { indexByID[id].map { policies[$0] } }

    /// Index of a policy.
    func index(of id: String) -> Int? { indexByID[id] }

    /// The UPS an event without a UPS subject refers to: the first declared one.
    public var primaryUPS: String? { ups.first?.id }

    /// Replaces the frozen targets of a policy.
    public mutating func freeze(_ id: String, targets: [String]) {
        if let i = indexByID[id] { policies[i] = policies[i].freezing(targets) }
    }
}

/// A `timer.at` trigger of a policy in the set.
struct TimerAtTrigger: Sendable {
    /// The policy's index in the set.
    var policy: Int
    /// The trigger's index in its group.
    var trigger: Int
    /// `policy#trigger`, the key of `EngineState.timerAtFired`.
    var key: String
    var schedule: Schedule
}

/// A `metric.threshold` trigger of a policy in the set.
struct MetricTrigger: Sendable {
    var policy: Int
    var trigger: Int
    var threshold: MetricThreshold
    /// `policy#trigger`; a hold's key adds `#ups`.
    var key: String
}
