import Policy

/// One target a host has: a VM, a container, a PoE port, an endpoint.
public struct InventoryTarget: Sendable, Hashable {
    /// The canonical id, such as `vm:104`.
    public var id: String
    /// Its type.
    public var type: TargetType
    /// The native id, such as `104`.
    public var nativeID: String
    /// Its name.
    public var name: String
    /// `running`/`stopped`, `on`/`off`, or "" when the type has no state.
    public var state: String
    /// Its labels.
    public var labels: [String: String]

    /// Creates a target.
    public init(id: String, type: TargetType, nativeID: String, name: String, state: String, labels: [String: String] = [:]) {
        self.id = id
        self.type = type
        self.nativeID = nativeID
        self.name = name
        self.state = state
        self.labels = labels
    }

    /// An endpoint or host a policy names (`endpoint:ops-pager`): such targets are not
    /// discovered, naming one is what makes it. Nil for ids of other types.
    public static func named(_ id: String) -> InventoryTarget? {
        guard let colon = id.firstIndex(of: ":"), let type = TargetType(rawValue: String(id[..<colon])), type.idForm == .name else { return nil }
        let native = String(id[id.index(after: colon)...])
        return InventoryTarget(id: id, type: type, nativeID: native, name: native, state: "ready")
    }

    /// `web-1 (vm:104)`.
    public var friendlyLabel: String { name == nativeID ? id : "\(name) (\(id))" }

    /// As JSON.
    public var json: JSON {
        .object(["id": .string(id), "name": .string(name), "state": .string(state),
                 "labels": .object(labels.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) })])
    }

    /// From JSON (`{"id": "vm:104", "name", "state", "labels"}`); nil when malformed.
    public init?(json: JSON) {
        guard let id = json["id"]?.stringValue, let colon = id.firstIndex(of: ":"),
              let type = TargetType(rawValue: String(id[..<colon])) else { return nil }
        var labels: [String: String] = [:]
        for m in json["labels"]?.objectMembers ?? [] { labels[m.key] = m.value.stringValue }
        let native = String(id[id.index(after: colon)...])
        self.init(id: id, type: type, nativeID: native, name: json["name"]?.stringValue ?? native,
                  state: json["state"]?.stringValue ?? "", labels: labels)
    }
}

/// What a host has, as its driver last saw it (SPEC section 8).
public struct HostInventory: Sendable {
    /// The host.
    public var hostID: String
    /// Its targets, in the host's own order (a switch's port order).
    public var targets: [InventoryTarget] { didSet { positions = Self.positions(of: targets) } }
    /// Target id → its index in `targets`.
    private var positions: [String: Int]
    /// When it was last refreshed, nil when never.
    public var refreshedAt: Timestamp?
    /// True when the last refresh failed or took longer than the driver's SLA: this is older data.
    public var stale: Bool
    /// False when the host did not answer the last refresh.
    public var reachable: Bool
    /// Why the last refresh failed, in whole or in part.
    public var problem: String?
    /// The diagnostic code of the problem (unreachable, auth denied, partial refresh).
    public var problemCode: DiagnosticCode?

    /// Creates an inventory.
    public init(hostID: String, targets: [InventoryTarget], refreshedAt: Timestamp?, stale: Bool = false, reachable: Bool = true,
                problem: String? = nil, problemCode: DiagnosticCode? = nil) {
        self.hostID = hostID
        self.targets = targets
        positions = Self.positions(of: targets)
        self.refreshedAt = refreshedAt
        self.stale = stale
        self.reachable = reachable
        self.problem = problem
        self.problemCode = problemCode
    }

    /// The target with canonical id `id`.
    public func target(_ id: String) -> InventoryTarget? { positions[id].map { targets[$0] } }

    static func positions(of targets: [InventoryTarget]) -> [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(targets.count)
        for (i, t) in targets.enumerated() where out[t.id] == nil { out[t.id] = i }
        return out
    }

    /// As JSON, as `inventory/<host>.json` keeps it.
    public var json: JSON {
        .object([
            "host_id": .string(hostID),
            "refreshed_at": refreshedAt.map { .string($0.iso8601) } ?? .null,
            "stale": .bool(stale), "reachable": .bool(reachable),
            "problem": problem.map(JSON.string) ?? .null,
            "targets": .array(targets.map(\.json)),
        ])
    }

    /// From JSON; nil when malformed.
    public init?(json: JSON) {
        guard let hostID = json["host_id"]?.stringValue, let targets = json["targets"]?.arrayValue else { return nil }
        self.init(hostID: hostID, targets: targets.compactMap(InventoryTarget.init(json:)),
                  refreshedAt: json["refreshed_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                  stale: json["stale"]?.boolValue ?? true, reachable: json["reachable"]?.boolValue ?? true,
                  problem: json["problem"]?.stringValue)
    }
}
