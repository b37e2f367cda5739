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
    public internal(set) var set: PolicySet = .empty
    var schedule: TimerSchedule?
    /// The next occurrence of each `timer.at` trigger (as `set.timerAtTriggers`), and the
    /// earliest of them; nil when they must be worked out again.
    var nextTimerAt: [Timestamp?] = []
    var earliestTimerAt: Timestamp?
    /// The last inventory of each host.
    public internal(set) var inventories: [String: HostInventory] = [:]
    /// What the engine remembers between events (see `EngineState`).
    public internal(set) var state = EngineState()

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

    /// The last `used_inventory` made, reused while the same refresh is used.
    var usedInventoryMemo: (host: String, refreshedAt: Timestamp?, stale: Bool, json: JSON)?
}
