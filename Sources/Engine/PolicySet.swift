import Policy

/// A policy as the engine runs it.
public struct RuntimePolicy: Sendable {
    /// Its file.
    public var path: String
    /// The compiled policy (from a verified IR object).
    public var compiled: CompiledPolicy
    /// The IR object's address (`sha256:...`).
    public var ir: String
    /// For `dynamic_resolution: false`: the targets resolved when the commit was applied.
    public var frozenTargets: [String]?

    public init(path: String, compiled: CompiledPolicy, ir: String, frozenTargets: [String]? = nil) {
        self.path = path
        self.compiled = compiled
        self.ir = ir
        self.frozenTargets = frozenTargets
    }

    public var id: String { compiled.policyID }
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

    private(set) var byUPSState: [UPSState: [Int]] = [:]
    private(set) var withMetrics: [Int] = []
    private(set) var byWebhook: [String: [Int]] = [:]
    private(set) var afterUPSState: [UPSState: [Int]] = [:]
    private(set) var afterWebhook: [String: [Int]] = [:]
    private(set) var withTimerAt: [Int] = []
    private(set) var indexByID: [String: Int] = [:]

    /// Builds the set from compiled policies (disabled ones are left out).
    public init(commit: String, policies: [RuntimePolicy], hosts: [HostDeclaration], ups: [UPSDeclaration], timeZone: String) {
        self.commit = commit
        self.policies = policies.filter(\.spec.enabled).sorted { ($0.spec.priority, $0.id) < ($1.spec.priority, $1.id) }
        self.hosts = Dictionary(hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.ups = ups.sorted { $0.id < $1.id }
        self.timeZone = timeZone
        for (i, p) in self.policies.enumerated() {
            indexByID[p.id] = i
            var metric = false, timerAt = false
            for t in p.spec.triggerGroup.triggers {
                switch t {
                case .upsState(let s): byUPSState[s, default: []].append(i)
                case .metricThreshold: metric = true
                case .webhookCustom(let name): byWebhook[name, default: []].append(i)
                case .timerAt: timerAt = true
                case .timerAfter(_, let since):
                    switch since {
                    case .upsState(let s): afterUPSState[s, default: []].append(i)
                    case .webhook(let name): afterWebhook[name, default: []].append(i)
                    }
                }
            }
            if metric { withMetrics.append(i) }
            if timerAt { withTimerAt.append(i) }
        }
        for (k, v) in byUPSState { byUPSState[k] = Array(Set(v)).sorted() }
        for (k, v) in byWebhook { byWebhook[k] = Array(Set(v)).sorted() }
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
        if let i = indexByID[id] { policies[i].frozenTargets = targets }
    }
}
