import Engine
import Policy

/// What one commit does differently from another in the same outage (`policyops simulate
/// --compare BASE`): the target actions that ran in one replay and not in the other, those
/// that ran at another moment, the policies a failed dry-run disabled in only one, and the
/// targets that end in another state. Actions are matched by policy, host, capability,
/// verb, target and outcome, the n-th of the base with the n-th of the head.
public struct ReplayComparison: Sendable {
    /// One target's action, as an execution record has it.
    public struct Action: Sendable, Equatable {
        /// When its execution was recorded.
        public var ts: Timestamp
        /// The policy that decided it, by id and by name.
        public var policyID: String
        public var policyName: String
        /// The host, the capability and verb, the target, and how it went (`succeeded`, ...).
        public var hostID: String
        public var capability: String
        public var verb: String
        public var targetID: String
        public var outcome: String

        var key: [String] { [policyID, hostID, capability, verb, targetID, outcome] }

        var json: JSON {
            .object(["ts": .string(ts.iso8601), "policy_id": .string(policyID), "policy": .string(policyName), "host_id": .string(hostID),
                     "capability": .string(capability), "verb": .string(verb), "target_id": .string(targetID), "outcome": .string(outcome)])
        }
    }

    /// A difference in what ran.
    public enum Change: Sendable, Equatable {
        /// Runs with the head only.
        case added(Action)
        /// Ran with the base only.
        case removed(Action)
        /// Runs with both, at another moment.
        case moved(base: Action, head: Action)

        /// When it happens (in the head when it happens there).
        public var ts: Timestamp {
            switch self {
            case .added(let a), .removed(let a): return a.ts
            case .moved(_, let head): return head.ts
            }
        }
    }

    /// A target that ends the replay in another state.
    public struct EndState: Sendable, Equatable {
        /// The host and the target.
        public var hostName: String
        public var targetID: String
        /// Its state at the end with each commit; nil when that replay's host lacks it.
        public var base: String?
        public var head: String?
    }

    /// The replay of the base, and of the commit compared with it.
    public var base: ReplayReport
    public var head: ReplayReport
    /// The differences in what ran, in time order.
    public var changes: [Change]
    /// Targets whose end state differs, by host and target.
    public var endStates: [EndState]
    /// Policy names a failed dry-run disabled at apply with the head only, and with the base only.
    public var disabledInHeadOnly: [String]
    public var disabledInBaseOnly: [String]

    /// True when the head does exactly what the base does in this outage.
    public var isEmpty: Bool { changes.isEmpty && endStates.isEmpty && disabledInHeadOnly.isEmpty && disabledInBaseOnly.isEmpty }

    /// Compares two replays of one trace.
    public init(base: ReplayReport, head: ReplayReport) {
        self.base = base
        self.head = head
        let baseActions = Self.actions(base), headActions = Self.actions(head)
        var byKey: [[String]: (base: [Action], head: [Action])] = [:]
        for a in baseActions { byKey[a.key, default: ([], [])].base.append(a) }
        for a in headActions { byKey[a.key, default: ([], [])].head.append(a) }
        var changes: [Change] = []
        for (_, pair) in byKey {
            let paired = min(pair.base.count, pair.head.count)
            for i in 0..<paired where pair.base[i].ts != pair.head[i].ts { changes.append(.moved(base: pair.base[i], head: pair.head[i])) }
            for a in pair.head.dropFirst(paired) { changes.append(.added(a)) }
            for a in pair.base.dropFirst(paired) { changes.append(.removed(a)) }
        }
        func order(_ c: Change) -> (Int64, String, String) {
            switch c {
            case .added(let a): return (a.ts.milliseconds, a.targetID, "b")
            case .removed(let a): return (a.ts.milliseconds, a.targetID, "a")
            case .moved(_, let a): return (a.ts.milliseconds, a.targetID, "c")
            }
        }
        self.changes = changes.sorted { order($0) < order($1) }

        var ends: [EndState] = []
        let baseHosts = Dictionary(base.hosts.map { ($0.host.id, $0) }, uniquingKeysWith: { a, _ in a })
        for h in head.hosts {
            let before = Dictionary((baseHosts[h.host.id]?.after ?? []).map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
            let after = Dictionary(h.after.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
            for id in Set(before.keys).union(after.keys).sorted() where before[id] != after[id] {
                ends.append(EndState(hostName: h.host.name, targetID: id, base: before[id], head: after[id]))
            }
        }
        endStates = ends
        let baseDisabled = Set(base.disabledAtApply.compactMap { $0.policyID.map { base.policyNames[$0] ?? $0 } })
        let headDisabled = Set(head.disabledAtApply.compactMap { $0.policyID.map { head.policyNames[$0] ?? $0 } })
        disabledInHeadOnly = headDisabled.subtracting(baseDisabled).sorted()
        disabledInBaseOnly = baseDisabled.subtracting(headDisabled).sorted()
    }

    /// Every target action of a replay's execution records.
    static func actions(_ report: ReplayReport) -> [Action] {
        let names = report.policyNames
        var out: [Action] = []
        for r in report.records where r.kind == .execution {
            let policy = r.policyID ?? ""
            let host = r.details["host_id"]?.stringValue ?? ""
            for result in r.results {
                out.append(Action(ts: r.ts, policyID: policy, policyName: names[policy] ?? policy, hostID: host, capability: result.capability,
                                  verb: result.verb, targetID: result.targetID, outcome: result.outcome))
            }
        }
        return out
    }

    /// As JSON: both replays' frames and severities, and the differences.
    public var json: JSON {
        func frame(_ r: ReplayReport) -> JSON {
            .object(["commit": .string(r.commit), "severity": .string(r.severity.rawValue),
                     "executions": .integer(Int64(r.count(.execution))), "failed_executions": .integer(Int64(r.failedExecutions))])
        }
        return .object([
            "base": frame(base), "head": frame(head),
            "start": .string(head.start.iso8601), "until": .string(head.until.iso8601), "events": .integer(Int64(head.events)),
            "same": .bool(isEmpty),
            "changes": .array(changes.map { c in
                switch c {
                case .added(let a): return .object(["change": .string("added"), "head": a.json])
                case .removed(let a): return .object(["change": .string("removed"), "base": a.json])
                case .moved(let b, let h): return .object(["change": .string("moved"), "base": b.json, "head": h.json])
                }
            }),
            "end_states": .array(endStates.map { e in
                .object(["host": .string(e.hostName), "target_id": .string(e.targetID), "base": e.base.map(JSON.string) ?? .null, "head": e.head.map(JSON.string) ?? .null])
            }),
            "disabled_in_head_only": .array(disabledInHeadOnly.map(JSON.string)),
            "disabled_in_base_only": .array(disabledInBaseOnly.map(JSON.string)),
        ])
    }
}
