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

    func writeMetrics() async {
        let depth = await scheduler.depth
        let bySeverity = await scheduler.executedBySeverity
        let disabled = await engine.disabledPolicies
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, String)]) {
            lines.append("# HELP policyops_\(name) \(help)")
            lines.append("# TYPE policyops_\(name) \(type)")
            for (labels, value) in samples { lines.append("policyops_\(name)\(labels) \(value)") }
        }
        metric("reconcile_duration_seconds", "Duration of the last pass that found a new commit (compile, then apply or refuse).", "gauge", [("", String(lastPassSeconds))])
        metric("applied_revision_timestamp_seconds", "Commit time of the applied revision.", "gauge", [("", String(appliedCommitTime))])
        metric("events_total", "Events consumed.", "counter", [("", String(eventsTotal))])
        metric("decisions_total", "Policy decisions recorded.", "counter", [("", String(decisionsTotal))])
        metric("executions_total", "Executions finished, by severity of their outcome.", "counter",
               Severity.allCases.map { ("{severity=\"\($0.rawValue)\"}", String(bySeverity[$0] ?? 0)) })
        metric("execution_queue_depth", "Executions queued or running.", "gauge", [("", String(depth))])
        metric("ledger_bytes", "Size of the ledger's segments.", "gauge", [("", String(Ledger.size(stateDirectory: options.stateDirectory)))])
        // As `status` lists them: disabled by the spec or until a dry-run passes, both.
        let policies = applied.map { policyLines($0.entries, disabled: disabled) } ?? []
        metric("policies", "Policies of the applied commit by status.", "gauge", ["active", "disabled", "invalid"].map { s in
            ("{status=\"\(s)\"}", String(policies.filter { $0.status == s }.count))
        })
        metric("ready", "1 while the condition Ready is True (a commit is applied and nothing stalls), else 0.", "gauge",
               [("", status.conditions["Ready"]?.status == true ? "1" : "0")])
        metric("stalled", "1 while the condition Stalled is True (the tip cannot be applied: blockers, an unreadable repository), else 0.", "gauge",
               [("", status.conditions["Stalled"]?.status == true ? "1" : "0")])
        lines += compileSeconds.lines("policyops_compile_duration_seconds", help: "Time to compile one commit.")
        lines += dryRunSeconds.lines("policyops_dry_run_duration_seconds",
                                     help: "Time of one dry-run round: the new and changed policies of an apply (in slices of 256), or the disabled ones retried.")
        lines += executionSeconds.lines("policyops_execution_duration_seconds", help: "Time of one execution, from its start record to its execution record.")
        let text = lines.joined(separator: "\n") + "\n"
        metricsChanged = false
        guard text != lastMetrics else { return }
        do {
            try AtomicFile.write(Array(text.utf8), to: options.stateDirectory + "/metrics.prom")
            lastMetrics = text
        } catch {
            metricsChanged = true
        }
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
            let bytes = Array(json.pretty().utf8)
            guard lastInventories[id] != bytes else { continue }
            if (try? AtomicFile.write(bytes, to: "\(folder)/\(id).json")) != nil { lastInventories[id] = bytes }
        }
    }
}
