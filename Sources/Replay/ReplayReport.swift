import Drivers
import Engine
import Policy

/// What a replay did: the records the reconciler would have written, and each host's
/// targets before and after.
public struct ReplayReport: Sendable {
    /// A host's targets before and after the replay, and what ran on it.
    public struct HostChange: Sendable {
        public var host: HostDeclaration
        public var before: [InventoryTarget]
        public var after: [InventoryTarget]
        public var executions: [SimulatedHostState.Execution]

        /// Each target an execution touched, with the states it went through: the state it
        /// started in, then the one each execution left (`running → stopped → running`).
        /// Endpoints and hosts, which keep no state, show what was done (`sent`, `ran`).
        public var touched: [(id: String, name: String, states: [String])] {
            let start = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let end = Dictionary(after.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var order: [String] = []
            var states: [String: [String]] = [:]
            for e in executions {
                if states[e.targetID] == nil {
                    order.append(e.targetID)
                    states[e.targetID] = start[e.targetID].map { [$0.state] } ?? []
                }
                states[e.targetID]!.append(e.state)
            }
            return order.map { id in (id, (end[id] ?? start[id])?.name ?? id, states[id] ?? []) }
        }
    }

    /// The commit replayed.
    public var commit: String
    /// When the replay started (the commit applied) and ended.
    public var start: Timestamp
    public var until: Timestamp
    /// Events replayed from the trace.
    public var events: Int
    /// Entries of the trace left out, by why.
    public var ignored: [String: Int]
    /// Real hosts with no known starting state (their policies found no targets).
    public var unknownHosts: [String]
    /// Every record, in ledger order.
    public var records: [LedgerRecord]
    /// Every host, by name.
    public var hosts: [HostChange]

    /// The worst severity of the decisions, dry-runs and executions.
    public var severity: Severity {
        records.filter { $0.kind != .event && $0.kind != .start }.map(\.severity).max() ?? .info
    }

    /// Records of a kind.
    public func count(_ kind: RecordKind) -> Int { records.reduce(0) { $0 + ($1.kind == kind ? 1 : 0) } }

    /// Policies a failed dry-run disabled when the commit was applied.
    public var disabledAtApply: [LedgerRecord] { records.filter { $0.kind == .dryRun && $0.severity >= .error } }

    /// Policy id → name, from the dry-runs of the apply.
    public var policyNames: [String: String] {
        var out: [String: String] = [:]
        for r in records where r.kind == .dryRun {
            if let id = r.policyID, let name = r.details["name"]?.stringValue { out[id] = name }
        }
        return out
    }

    /// Executions with a failed target.
    public var failedExecutions: Int { records.filter { $0.kind == .execution && $0.severity >= .error }.count }

    /// As JSON: the replay's frame, the records (each with its sequence number), and the hosts.
    public var json: JSON {
        .object([
            "commit": .string(commit),
            "start": .string(start.iso8601),
            "until": .string(until.iso8601),
            "events": .integer(Int64(events)),
            "ignored": .object(ignored.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .integer(Int64($0.value))) }),
            "unknown_hosts": .array(unknownHosts.map(JSON.string)),
            "severity": .string(severity.rawValue),
            "records": .array(records.enumerated().map { n, r in
                guard case .object(let members) = r.json else { return r.json }
                return .object([.init("seq", .integer(Int64(n + 1)))] + members)
            }),
            "hosts": .array(hosts.map { h in
                .object([
                    "host_id": .string(h.host.id), "name": .string(h.host.name), "driver": .string(h.host.driver.rawValue),
                    "touched": .array(h.touched.map { t in .object(["id": .string(t.id), "name": .string(t.name), "states": .array(t.states.map(JSON.string))]) }),
                    "executions": .integer(Int64(h.executions.count)),
                    "targets": .array(h.after.map(\.json)),
                ])
            }),
        ])
    }
}
