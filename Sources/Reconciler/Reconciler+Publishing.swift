import Engine
import Git
import Hashing
import NUT
import Policy
import PolicyRepository
import Secrets
import Store

/// What the reconciler shows: the engine snapshot, `status.json`, `metrics.prom` and the
/// inventory files, each written when it changes.
extension Reconciler {
    // MARK: files

    /// Writes the engine state; never after a failed append, when the engine may know of
    /// records the ledger does not have.
    func snapshot() async {
        guard fatal == nil else { return }
        do {
            try AtomicFile.write(await engine.snapshot(), to: options.stateDirectory + "/engine-state.json")
            recordsSinceSnapshot = 0
        } catch {
            log.warn("cannot write the engine snapshot (the ledger still has everything)", ["error": "\(error)"])
        }
    }

    /// Each policy of a commit with its status: `active`, `disabled` (by its spec or until a
    /// dry-run passes) or `invalid`.
    func policyLines(_ entries: [ManifestEntry], disabled: [String: String]) -> [ReconcilerStatus.PolicyLine] {
        entries.map { e in
            var line = ReconcilerStatus.PolicyLine(path: e.path, policyID: e.policyID, name: e.name ?? "", status: "active", reason: nil,
                                                   ir: e.ir, versionInt: e.versionInt)
            switch e.status {
            case .disabled: line.status = "disabled"; line.reason = "enabled: false in the spec"
            case .invalid: line.status = "invalid"; line.reason = "the file has blockers"
            case .compiled:
                if let reason = disabled[e.policyID] { line.status = "disabled"; line.reason = reason }
            }
            return line
        }
    }

    func writeStatus() async {
        let now = clock.now()
        let disabled = await engine.disabledPolicies
        if let applied {
            status.policies = policyLines(applied.entries, disabled: disabled)
            // A retry that enables a policy again changes the counts Ready tells.
            if let ready = status.conditions["Ready"], ready.status, ready.reason == "Applied" {
                status.set("Ready", true, reason: "Applied", message: ReconcilerStatus.readyMessage(commit: applied.commit, status.policies), now: now)
            }
        }
        if status.conditions["Ready"] == nil {
            status.set("Ready", false, reason: "Initializing", message: "no commit applied yet", now: now)
        }
        metricsChanged = true
        do { try status.write(to: options.stateDirectory, now: now) } catch {
            log.warn("cannot write status.json", ["error": "\(error)"])
        }
    }

    /// Writes `metrics.prom` when what it shows changed since it was last written.
    func writeMetrics() async {
        let disabled = await engine.disabledPolicies
        var metrics = ReconcilerMetrics(lastPassSeconds: lastPassSeconds, appliedCommitTime: appliedCommitTime,
                                        eventsTotal: eventsTotal, decisionsTotal: decisionsTotal)
        metrics.executedBySeverity = await scheduler.executedBySeverity
        metrics.queueDepth = await scheduler.depth
        metrics.ledgerBytes = Int64(Ledger.size(stateDirectory: options.stateDirectory))
        // As `status` lists them: disabled by the spec or until a dry-run passes, both.
        for line in applied.map({ policyLines($0.entries, disabled: disabled) }) ?? [] { metrics.policies[line.status, default: 0] += 1 }
        metrics.ready = status.conditions["Ready"]?.status == true
        metrics.stalled = status.conditions["Stalled"]?.status == true
        metrics.compileSeconds = compileSeconds
        metrics.dryRunSeconds = dryRunSeconds
        metrics.executionSeconds = executionSeconds
        metricsChanged = false
        publisher.publish(metrics)
    }

    /// The inventory snapshots of `inventory/<host>.json` (SPEC section 8).
    func writeInventories() async {
        let folder = options.stateDirectory + "/inventory"
        try? AtomicFile.makeFolders(folder)
        for (id, inventory) in await engine.inventories {
            var json = inventory.json
            if case .object(var members) = json, let name = applied?.set.hosts[id]?.name {
                members.insert(.init("host_name", .string(name)), at: 1)
                json = .object(members)
            }
            publisher.publish(inventory: json, host: id)
        }
    }
}
