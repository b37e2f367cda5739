import Policy

extension HostInventory {
    /// What `plan` and the reconciler's decisions say about an inventory that is not fresh, by
    /// one rule (SPEC §4, §8: a warn): a refresh that failed in part is PO5003 with the part
    /// and the vendor's message; older data kept after a failed or late refresh is PO5002.
    /// Nil when the inventory is fresh.
    public func staleFinding(hostName: String) -> (code: DiagnosticCode, message: String)? {
        guard stale else { return nil }
        if problemCode == .partialRefresh, let problem { return (.partialRefresh, problem) }
        if !reachable {
            // The failure itself is its own finding; this one says what is used instead.
            let when = refreshedAt.map { "the refresh of \($0.iso8601)" } ?? "an earlier refresh"
            return (.staleInventory, "the inventory of \(hostName) is stale: its last refresh failed, so the targets of \(when) are used")
        }
        return (.staleInventory, problem ?? "the inventory of \(hostName) is stale: used_inventory.stale = true")
    }
}
