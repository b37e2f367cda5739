import Engine
import Policy

/// The PoE ports a switch declares as `protected_ports` (uplinks, say): never switched,
/// by the `aoss` driver or by its simulated twin.
struct ProtectedPorts: Sendable {
    let selectors: [TargetSelector]

    /// The protected ports of `host`; none for hosts other than switches.
    init(_ host: HostDeclaration) {
        guard case .aoss(_, _, _, _, let ports, _) = host.connection else {
            selectors = []
            return
        }
        selectors = ports.compactMap { SelectorParser.parse(mode: .list, value: $0, targetType: .poePort).0 }
    }

    var isEmpty: Bool { selectors.isEmpty }

    /// Whether `target` is one of them.
    func contains(_ target: InventoryTarget) -> Bool {
        guard target.type == .poePort else { return false }
        let port = PortID.parse(target.nativeID[...])
        return selectors.contains { s in
            s.staticIDs.contains(target.id) || (port.map { p in s.inventoryRanges.contains { $0.contains(p) } } ?? false)
        }
    }
}
