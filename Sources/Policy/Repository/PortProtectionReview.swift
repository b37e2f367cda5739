/// What a change does to protected ports (a switch host's `protected_ports`, never switched):
/// the protection it removes, and the policies whose selectors newly name a protected port.
/// Both are warnings (PO4099) for the person reviewing the change: the driver still refuses
/// a protected port at run time, but a change that removes the protection first would not be
/// refused, and one that aims at an uplink is seldom meant.
public struct PortProtectionReview: Sendable {
    /// The warnings, one per host that loses protection and per policy that newly covers it.
    public var findings: [Diagnostic]

    /// Reviews the change from `before` to `after`. `source` gives a file's bytes after the
    /// change, to place each finding on its line; without them findings are at 1:1.
    public init(before: RepositoryCompilation, after: RepositoryCompilation, source: (String) -> [UInt8]? = { _ in nil }) {
        func place(_ file: String, _ pointer: String) -> (Int, Int) {
            source(file).map { SourceLocator.position(of: pointer, in: $0) } ?? (1, 1)
        }
        var findings: [Diagnostic] = []
        let protectedBefore = Self.protected(before), protectedAfter = Self.protected(after)
        for host in after.hosts {
            guard let was = protectedBefore[host.id] else { continue }
            let now = protectedAfter[host.id] ?? PortSet(entries: [])
            let lost = was.entries.filter { !now.keeps($0) }
            guard !lost.isEmpty else { continue }
            let pointer = now.entries.isEmpty && !host.hasProtectedPortsMember ? "/connection" : "/connection/protected_ports"
            let (line, column) = place(host.path, pointer)
            findings.append(Diagnostic(code: .protectionWeakened, file: host.path, pointer: pointer, line: line, column: column,
                                       message: "host \(host.name) no longer protects \(lost.joined(separator: ", ")): policies may now switch \(lost.count == 1 ? "it" : "them") (uplinks, say); keep \(lost.count == 1 ? "it" : "them") in protected_ports unless that is meant"))
        }
        let policiesBefore = Dictionary(before.policies.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in after.policies {
            guard let spec = entry.spec, spec.targets.targetType == .poePort,
                  let protection = protectedAfter[spec.targets.hostID] else { continue }
            let now = protection.hits(spec.targets.selector)
            guard !now.isEmpty else { continue }
            var old: [String] = []
            if let previous = policiesBefore[entry.path]?.spec, previous.targets.hostID == spec.targets.hostID, previous.targets.targetType == .poePort {
                old = protection.hits(previous.targets.selector)
            }
            let new = now.filter { !old.contains($0) }
            guard !new.isEmpty else { continue }
            let hostName = after.host(spec.targets.hostID)?.name ?? spec.targets.hostID
            let (line, column) = place(entry.path, "/targets/selector/value")
            findings.append(Diagnostic(code: .protectionWeakened, file: entry.path, pointer: "/targets/selector/value", line: line, column: column,
                                       message: "the selector now covers protected \(new.count == 1 ? "port" : "ports") \(new.joined(separator: ", ")) of \(hostName); the driver refuses \(new.count == 1 ? "it" : "them") at run time, so narrow the selector"))
        }
        self.findings = findings.sorted(by: Diagnostic.presentationOrder)
    }

    /// Each switch host's protected ports, by host id.
    static func protected(_ c: RepositoryCompilation) -> [String: PortSet] {
        var out: [String: PortSet] = [:]
        for host in c.hosts {
            if case .aoss(_, _, _, _, let ports, _) = host.connection { out[host.id] = PortSet(entries: ports) }
        }
        return out
    }

    /// Protected ports as a set: single ports and ranges within a module by id, ranges across
    /// modules as ranges.
    struct PortSet {
        var entries: [String]
        var ids: Set<String> = []
        var ranges: [PortRange] = []

        init(entries: [String]) {
            self.entries = entries
            for e in entries {
                guard let s = SelectorParser.parse(mode: .list, value: e, targetType: .poePort).0 else { continue }
                ids.formUnion(s.staticIDs)
                ranges += s.inventoryRanges
            }
        }

        /// `poe-port:1/49` → `1/49`.
        static func native(_ id: String) -> String { String(id.dropFirst(TargetType.poePort.rawValue.count + 1)) }

        func covers(_ id: String) -> Bool {
            if ids.contains(id) { return true }
            guard let port = PortID.parse(Substring(Self.native(id))) else { return false }
            return ranges.contains { $0.contains(port) }
        }

        /// True when every port of a protected entry written before is still protected.
        func keeps(_ entry: String) -> Bool {
            guard let s = SelectorParser.parse(mode: .list, value: entry, targetType: .poePort).0 else { return true }
            return s.staticIDs.allSatisfy { covers($0) } && s.inventoryRanges.allSatisfy { r in
                ranges.contains { $0.contains(r.from) && $0.contains(r.to) }
            }
        }

        /// The protected ports (and ranges) a selector names, as text.
        func hits(_ selector: TargetSelector) -> [String] {
            var out = selector.staticIDs.filter { covers($0) }.map { Self.native($0) }
            let protectedPorts: [PortID] = ids.compactMap { PortID.parse(Substring(Self.native($0))) }
            for r in selector.inventoryRanges {
                let overlapping = protectedPorts.contains { r.contains($0) }
                    || ranges.contains { $0.contains(r.from) || $0.contains(r.to) || r.contains($0.from) }
                if overlapping { out.append(r.canonical) }
            }
            return out
        }
    }
}

extension HostDeclaration {
    /// True when the host is a switch whose declaration lists protected ports.
    var hasProtectedPortsMember: Bool {
        if case .aoss(_, _, _, _, let ports, _) = connection { return !ports.isEmpty }
        return false
    }
}
