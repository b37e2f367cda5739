/// How a selector names its targets.
public enum SelectorMode: String, Sendable, Hashable, CaseIterable {
    /// Comma-separated ids and ranges.
    case list
    /// The same grammar as `list` (kept for the original API; normalized to `list`).
    case range
    /// The query language, resolved against the host's inventory.
    case query
}

/// A cross-module port range (`1/A1-1/B4`): its members are known only from the switch's
/// inventory, in the inventory's port order.
public struct PortRange: Sendable, Hashable {
    /// The first port.
    public var from: PortID
    /// The last port.
    public var to: PortID

    /// True when `port` lies within the range on the same member, by module then number.
    public func contains(_ port: PortID) -> Bool {
        guard !port.isTrunk, port.member == from.member, let m = port.module,
              let fm = from.module, let tm = to.module, m >= fm, m <= tm else { return false }
        if m == fm && port.number < from.number { return false }
        if m == tm && port.number > to.number { return false }
        return true
    }

    /// The most ports the range can hold.
    var upperBound: Int {
        guard let fm = from.module, let tm = to.module else { return 0 }
        if fm == tm { return to.number - from.number + 1 }
        return (PortID.portsPerModule - from.number + 1) + Int(tm - fm - 1) * PortID.portsPerModule + to.number
    }

    var canonical: String { "\(from)-\(to)" }
}

/// A validated selector: its canonical text and what it expands to without an inventory.
public struct TargetSelector: Sendable, Hashable {
    /// `list` or `query` (`range` is normalized to `list`).
    public var mode: SelectorMode
    /// The canonical text: for lists the targets sorted and merged into ranges, so that
    /// `104,105,106` and `106,104-105` are the same; for queries the canonical query.
    public var value: String
    /// The query, for `query` selectors.
    public var query: SelectorQuery?
    /// Canonical target ids known without an inventory, in natural order.
    public var staticIDs: [String]
    /// Cross-module port ranges resolved against the inventory at run time.
    public var inventoryRanges: [PortRange]

    /// The most targets a selector may name.
    public static let maximumTargets = 4_096
}

/// Something wrong with a selector value, with its place in the value's text.
public struct SelectorProblem: Sendable, Hashable {
    /// The diagnostic code.
    public var code: DiagnosticCode
    /// What is wrong and what would be right.
    public var message: String
    /// UTF-8 offset into the selector value, when the problem has a place.
    public var offset: Int?
}
