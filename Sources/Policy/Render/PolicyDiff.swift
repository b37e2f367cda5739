/// What changes between two compilations of a policy repository, policy by policy: added,
/// removed and changed policies, which normalized fields changed from what to what, how
/// the resolved targets change, and where each reprioritized policy now runs.
public struct PolicyDiff: Sendable {
    /// One field of a normalized spec that differs.
    public struct FieldChange: Sendable, Hashable {
        /// The JSON pointer into the normalized spec.
        public var pointer: String
        /// The value before, nil when absent.
        public var before: JSON?
        /// The value after, nil when absent.
        public var after: JSON?
    }

    /// How the targets change.
    public struct TargetChange: Sendable, Hashable {
        /// `vm:104–106` or a query, before ("" when the policy is new).
        public var before: String
        /// The same, after ("" when the policy is removed).
        public var after: String
        /// The host's name before.
        public var hostBefore: String
        /// The host's name after.
        public var hostAfter: String
        /// Canonical ids selected after and not before (static expansion).
        public var added: [String]
        /// Canonical ids selected before and not after.
        public var removed: [String]

        /// `vm:104–106 on pve-1` before.
        public var beforeOnHost: String { "\(before) on \(hostBefore)" }
        /// `vm:104–110 on pve-1` after.
        public var afterOnHost: String { "\(after) on \(hostAfter)" }

        /// `vm:104–106 → vm:104–110 on pve-1, +4`.
        public var summary: String {
            var counts: [String] = []
            if !added.isEmpty { counts.append("+\(added.count)") }
            if !removed.isEmpty { counts.append("−\(removed.count)") }
            let change = hostBefore == hostAfter ? "\(before) → \(after) on \(hostAfter)" : "\(beforeOnHost) → \(afterOnHost)"
            return change + (counts.isEmpty ? "" : ", " + counts.joined(separator: " "))
        }
    }

    /// Where a policy runs among the enabled policies (1-based), before and after.
    public struct OrderChange: Sendable, Hashable {
        public var priorityBefore: Int64
        public var priorityAfter: Int64
        public var positionBefore: Int?
        public var positionAfter: Int?
        public var count: Int
    }

    /// One policy that differs.
    public struct Entry: Sendable {
        /// What happened to it.
        public enum Kind: String, Sendable {
            case added, removed, changed
        }

        public var kind: Kind
        public var path: String
        public var policyID: String
        public var name: String?
        public var statusBefore: PolicyStatus?
        public var statusAfter: PolicyStatus?
        public var fields: [FieldChange]
        public var targets: TargetChange?
        public var order: OrderChange?
        /// The blockers the policy has after the change.
        public var blockers: [Diagnostic]
    }

    /// A host declaration that differs.
    public struct HostEntry: Sendable {
        public var kind: Entry.Kind
        public var path: String
        public var name: String
        public var fields: [FieldChange]
    }

    /// The policies that differ, by path.
    public var entries: [Entry]
    /// The hosts that differ, by path.
    public var hosts: [HostEntry]
    /// The UPS declarations that differ, by path (`name` is the UPS id).
    public var ups: [HostEntry] = []
    /// Warnings about protected ports the change removes or newly selects (PO4099), shown first.
    public var protection: [Diagnostic] = []
    /// How many policies are the same in both.
    public var unchanged: Int
    /// Blockers anywhere after the change.
    public var blockersAfter: [Diagnostic]

    /// Compares two compilations. `source` gives a file's bytes after the change, to place
    /// the protection warnings on their lines.
    public init(before: RepositoryCompilation, after: RepositoryCompilation, source: (String) -> [UInt8]? = { _ in nil }) {
        let b = Dictionary(before.policies.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let a = Dictionary(after.policies.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let orderBefore = PolicyDiff.executionOrder(before)
        let orderAfter = PolicyDiff.executionOrder(after)
        let namesBefore: [String: String] = Dictionary(before.hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let namesAfter: [String: String] = Dictionary(after.hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var entries: [Entry] = []
        var unchanged = 0
        for path in Set(b.keys).union(a.keys).sorted() {
            let old = b[path], new = a[path]
            let blockers = new?.diagnostics.filter { $0.severity == .blocker } ?? []
            switch (old, new) {
            case (nil, let new?):
                entries.append(Entry(kind: .added, path: path, policyID: new.policyID, name: new.spec?.name ?? new.nameReference?.value,
                                     statusBefore: nil, statusAfter: new.status, fields: [],
                                     targets: new.spec.map { TargetChange(before: "", after: PolicyDiff.describe($0.targets), hostBefore: "", hostAfter: namesAfter[$0.targets.hostID] ?? $0.targets.hostID, added: $0.targets.selector.staticIDs, removed: []) },
                                     order: nil, blockers: blockers))
            case (let old?, nil):
                entries.append(Entry(kind: .removed, path: path, policyID: old.policyID, name: old.spec?.name ?? old.nameReference?.value,
                                     statusBefore: old.status, statusAfter: nil, fields: [],
                                     targets: old.spec.map { TargetChange(before: PolicyDiff.describe($0.targets), after: "", hostBefore: namesBefore[$0.targets.hostID] ?? $0.targets.hostID, hostAfter: "", added: [], removed: $0.targets.selector.staticIDs) },
                                     order: nil, blockers: []))
            case (let old?, let new?):
                var fields: [FieldChange] = []
                var targets: TargetChange?
                var order: OrderChange?
                if let os = old.spec, let ns = new.spec {
                    fields = PolicyDiff.compare(os.normalized, ns.normalized, pointer: "")
                    if os.targets != ns.targets {
                        let oldIDs = Set(os.targets.selector.staticIDs), newIDs = Set(ns.targets.selector.staticIDs)
                        targets = TargetChange(before: PolicyDiff.describe(os.targets), after: PolicyDiff.describe(ns.targets),
                                               hostBefore: namesBefore[os.targets.hostID] ?? os.targets.hostID,
                                               hostAfter: namesAfter[ns.targets.hostID] ?? ns.targets.hostID,
                                               added: ns.targets.selector.staticIDs.filter { !oldIDs.contains($0) },
                                               removed: os.targets.selector.staticIDs.filter { !newIDs.contains($0) })
                    }
                    let pb = orderBefore.firstIndex(of: path).map { $0 + 1 }, pa = orderAfter.firstIndex(of: path).map { $0 + 1 }
                    if os.priority != ns.priority || (pb != nil && pa != nil && pb != pa && os != ns) {
                        order = OrderChange(priorityBefore: os.priority, priorityAfter: ns.priority, positionBefore: pb, positionAfter: pa, count: orderAfter.count)
                    }
                }
                if fields.isEmpty && old.status == new.status && old.hash == new.hash && old.diagnostics == new.diagnostics {
                    unchanged += 1
                    continue
                }
                entries.append(Entry(kind: .changed, path: path, policyID: new.policyID, name: new.spec?.name ?? old.spec?.name ?? new.nameReference?.value,
                                     statusBefore: old.status, statusAfter: new.status, fields: fields, targets: targets, order: order, blockers: blockers))
            case (nil, nil):
                continue
            }
        }
        var hosts: [HostEntry] = []
        let hb = Dictionary(before.hosts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let ha = Dictionary(after.hosts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for path in Set(hb.keys).union(ha.keys).sorted() {
            switch (hb[path], ha[path]) {
            case (nil, let h?): hosts.append(HostEntry(kind: .added, path: path, name: h.name, fields: []))
            case (let h?, nil): hosts.append(HostEntry(kind: .removed, path: path, name: h.name, fields: []))
            case (let o?, let n?):
                let fields = PolicyDiff.compare(o.normalized, n.normalized, pointer: "")
                if !fields.isEmpty { hosts.append(HostEntry(kind: .changed, path: path, name: n.name, fields: fields)) }
            default: continue
            }
        }
        var ups: [HostEntry] = []
        let ub = Dictionary(before.upsDeclarations.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let ua = Dictionary(after.upsDeclarations.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for path in Set(ub.keys).union(ua.keys).sorted() {
            switch (ub[path], ua[path]) {
            case (nil, let u?): ups.append(HostEntry(kind: .added, path: path, name: u.id, fields: []))
            case (let u?, nil): ups.append(HostEntry(kind: .removed, path: path, name: u.id, fields: []))
            case (let o?, let n?):
                let fields = PolicyDiff.compare(o.normalized, n.normalized, pointer: "")
                if !fields.isEmpty { ups.append(HostEntry(kind: .changed, path: path, name: n.id, fields: fields)) }
            default: continue
            }
        }
        self.entries = entries
        self.hosts = hosts
        self.ups = ups
        self.protection = PortProtectionReview(before: before, after: after, source: source).findings
        self.unchanged = unchanged
        self.blockersAfter = after.diagnostics.filter { $0.severity == .blocker }
    }

    /// Enabled, valid policies in the order the engine runs them: priority, then policy id.
    static func executionOrder(_ c: RepositoryCompilation) -> [String] {
        c.policies.filter { $0.status == .compiled && $0.spec != nil }
            .sorted { ($0.spec!.priority, $0.policyID) < ($1.spec!.priority, $1.policyID) }
            .map(\.path)
    }

    /// `vm:104–106`, or `vm where QUERY`.
    static func describe(_ t: TargetSelection) -> String {
        if let query = t.selector.query { return "\(t.targetType.rawValue) where \(query.canonical)" }
        // Names (`ops-chat`) keep their hyphens; only ranges of ids read as `104–106`.
        let value = t.targetType.idForm == .name ? t.selector.value : t.selector.value.replacingAll("-", with: "–")
        return "\(t.targetType.rawValue):\(value)"
    }

    /// The leaves that differ between two JSON values. Arrays of equal length compare
    /// element by element; otherwise the whole array is one change.
    static func compare(_ a: JSON?, _ b: JSON?, pointer: String) -> [FieldChange] {
        if a == b { return [] }
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            var out: [FieldChange] = []
            var keys = x.map(\.key)
            for m in y where !keys.contains(m.key) { keys.append(m.key) }
            for key in keys {
                out += compare(x.first { $0.key == key }?.value, y.first { $0.key == key }?.value,
                               pointer: pointer + "/" + JSONPointer.escape(key))
            }
            return out
        case (.array(let x)?, .array(let y)?) where x.count == y.count:
            return zip(x, y).enumerated().flatMap { i, pair in compare(pair.0, pair.1, pointer: pointer + "/\(i)") }
        default:
            return [FieldChange(pointer: pointer, before: a, after: b)]
        }
    }
}

extension PolicyDiff.FieldChange {
    /// The change as `before → after` in compact JSON.
    public var summary: String {
        "\(before.map(\.canonicalString) ?? "(absent)") → \(after.map(\.canonicalString) ?? "(absent)")"
    }
}
