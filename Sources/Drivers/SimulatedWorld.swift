import Engine
import Hashing
import Policy
import Store
import Synchronization

/// The live state of a simulated host: its targets, injected faults, and every execution
/// it received (so tests can count them).
public struct SimulatedHostState: Sendable {
    /// Faults to inject: `{"unreachable": true, "auth_denied": true, "latency_ms": 200, "fail_targets": ["vm:104"]}`.
    public struct Faults: Sendable, Hashable {
        public var unreachable = false
        public var authDenied = false
        public var latencyMilliseconds: Int64 = 0
        public var failTargets: Set<String> = []
        public init() {}
    }

    /// One execution the host received.
    public struct Execution: Sendable, Hashable {
        public var targetID: String
        public var verb: String
        public var state: String
        public var job: String
        public var started: Timestamp
        public var finished: Timestamp
    }

    public var hostID: String
    public var targets: [InventoryTarget]
    public var faults: Faults
    public var executions: [Execution]

    /// The state a declaration starts with.
    public init(declaration host: HostDeclaration) {
        hostID = host.id
        faults = Faults()
        executions = []
        if case .sim(let declared) = host.connection {
            targets = declared.map { InventoryTarget(id: $0.id, type: $0.targetType, nativeID: $0.nativeID, name: $0.name, state: $0.state, labels: $0.labels) }
        } else {
            targets = []
        }
    }

    public var json: JSON {
        .object([
            "host_id": .string(hostID),
            "targets": .array(targets.map(\.json)),
            "faults": .object([
                "unreachable": .bool(faults.unreachable), "auth_denied": .bool(faults.authDenied),
                "latency_ms": .integer(faults.latencyMilliseconds), "fail_targets": .array(faults.failTargets.sorted().map(JSON.string)),
            ]),
            "executions": .array(executions.map {
                .object(["target": .string($0.targetID), "verb": .string($0.verb), "state": .string($0.state), "job": .string($0.job),
                         "started": .string($0.started.iso8601), "finished": .string($0.finished.iso8601)])
            }),
        ])
    }

    public init?(json: JSON) {
        guard let hostID = json["host_id"]?.stringValue, let targets = json["targets"]?.arrayValue else { return nil }
        self.hostID = hostID
        self.targets = targets.compactMap(InventoryTarget.init(json:))
        var faults = Faults()
        if let f = json["faults"] {
            faults.unreachable = f["unreachable"]?.boolValue ?? false
            faults.authDenied = f["auth_denied"]?.boolValue ?? false
            faults.latencyMilliseconds = f["latency_ms"]?.integerValue ?? 0
            faults.failTargets = Set(f["fail_targets"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        self.faults = faults
        executions = (json["executions"]?.arrayValue ?? []).compactMap { e in
            guard let t = e["target"]?.stringValue, let v = e["verb"]?.stringValue else { return nil }
            return Execution(targetID: t, verb: v, state: e["state"]?.stringValue ?? "", job: e["job"]?.stringValue ?? "",
                             started: e["started"]?.stringValue.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(milliseconds: 0),
                             finished: e["finished"]?.stringValue.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(milliseconds: 0))
        }
    }
}

/// Where simulated hosts keep their live state.
public protocol SimulatedWorld: Sendable {
    /// The host's state (created from its declaration on first use).
    func load(_ host: HostDeclaration) -> SimulatedHostState
    /// Saves the host's state; throws when it cannot be kept (then nothing was done).
    func save(_ state: SimulatedHostState) throws(FileSystemError)
}

/// Simulated hosts whose state is the file `sim/<host id>.json` under the state directory,
/// created from the declaration on first use (SPEC section 7). Tests and demos edit the
/// file to change the world or inject faults.
public struct FileSimulatedWorld: SimulatedWorld {
    let folder: String

    /// Hosts under `<state>/sim/`.
    public init(stateDirectory: String) { folder = stateDirectory + "/sim" }

    /// The file of a host.
    public func path(_ hostID: String) -> String { "\(folder)/\(hostID).json" }

    public func load(_ host: HostDeclaration) -> SimulatedHostState {
        if let bytes = try? AtomicFile.read(path(host.id)), let json = JSON.parse(bytes), let state = SimulatedHostState(json: json) {
            return state
        }
        let state = SimulatedHostState(declaration: host)
        // A state that cannot be written here is reported by the execution that needs it.
        try? save(state)
        return state
    }

    public func save(_ state: SimulatedHostState) throws(FileSystemError) {
        try AtomicFile.makeFolders(folder, mode: 0o700)
        try AtomicFile.write(Array(state.json.pretty().utf8), to: path(state.hostID), mode: 0o600)
    }
}

/// Simulated hosts in memory, for benchmarks and engine tests.
public final class MemorySimulatedWorld: SimulatedWorld {
    private let states = Mutex<[String: SimulatedHostState]>([:])
    /// Whether executions are kept (a benchmark of millions of decisions keeps none).
    let keepExecutions: Bool

    public init(keepExecutions: Bool = true) { self.keepExecutions = keepExecutions }

    public func load(_ host: HostDeclaration) -> SimulatedHostState {
        states.withLock { s in
            if let state = s[host.id] { return state }
            let state = SimulatedHostState(declaration: host)
            s[host.id] = state
            return state
        }
    }

    public func save(_ state: SimulatedHostState) {
        var state = state
        if !keepExecutions { state.executions = [] }
        states.withLock { $0[state.hostID] = state }
    }

    /// Replaces a host's state (tests inject faults this way).
    public func set(_ state: SimulatedHostState) { states.withLock { $0[state.hostID] = state } }

    /// A host's state without creating it.
    public func state(_ hostID: String) -> SimulatedHostState? { states.withLock { $0[hostID] } }
}
