import Engine
import Policy

/// The drivers `plan` uses on a pull request: a host whose declaration changed from the base
/// revision gets no credentials and no request at all — its refresh and dry-run are skipped
/// with a warning (PO5016) that says why — so a change that points a host's `url` at
/// someone else's server cannot make CI send that host's token there (SPEC section 18).
/// Every other host goes to the wrapped drivers.
public struct CredentialWithholding: DriverRegistry {
    let drivers: any DriverRegistry
    /// Host id → why its credentials are withheld.
    let withheld: [String: String]

    /// `drivers`, except for the hosts of `withheld` (id → the reason, a sentence).
    public init(_ drivers: any DriverRegistry, withheld: [String: String]) {
        self.drivers = drivers
        self.withheld = withheld
    }

    public func driver(for host: HostDeclaration) -> (any Driver)? {
        guard let inner = drivers.driver(for: host) else { return nil }
        guard let reason = withheld[host.id] else { return inner }
        return Withheld(kind: inner.kind, capabilities: inner.capabilities, reason: reason)
    }

    /// Why `host` (at the revision planned) gets no credentials, compared with `base` (the
    /// hosts of the base revision by id; nil when there is no base to compare with). A
    /// simulated host reaches nothing and is never withheld; a host is unchanged when the
    /// base declares the same id with the same driver and connection.
    public static func reason(for host: HostDeclaration, base: [String: HostDeclaration]?, baseName: String) -> String? {
        guard host.driver != .sim else { return nil }
        guard let base else {
            return "credentials withheld from \(host.name): there is no base revision (\(baseName)) to show its declaration is unchanged; give --base REV"
        }
        guard let before = base[host.id] else {
            return "credentials withheld from \(host.name): the host is new since \(baseName), so its live dry-run is skipped until the change is merged"
        }
        guard before.driver == host.driver, before.connection == host.connection else {
            return "credentials withheld from \(host.name): its connection changed since \(baseName), so its live dry-run is skipped until the change is merged"
        }
        return nil
    }

    /// A host that is not contacted: refresh and dry-run say why, execution refuses.
    struct Withheld: Driver {
        let kind: DriverKind
        let capabilities: [Capability]
        let reason: String

        nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
            HostInventory(hostID: host.id, targets: [], refreshedAt: nil, stale: true, reachable: false, problem: reason, problemCode: .credentialsWithheld)
        }

        nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
            DryRunResult(ok: false, severity: .warn, code: .credentialsWithheld, preconditions: [.init(check: "credentials sent", ok: false, details: reason)],
                         planKind: "api", preview: [], summary: reason, perTarget: [], reason: reason)
        }

        func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
            targets.map { TargetOutcome(targetID: $0.id, severity: .error, outcome: "failed", detail: reason) }
        }
    }
}
