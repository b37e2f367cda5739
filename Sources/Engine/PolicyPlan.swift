import Policy

/// The dry-run transcript of one policy (`policyops plan`, and the check a reconciler makes
/// when it applies a commit): per action and target the severity, preconditions, plan
/// preview, effects and idempotency key, and the inventory it used.
public struct PolicyPlan: Sendable {
    /// One action's dry-run.
    public struct ActionPlan: Sendable {
        public var action: PlannedAction
        public var result: DryRunResult
        /// Target ids with their idempotency keys, in order.
        public var targets: [(id: String, key: String)]
    }

    public var policyID: String
    public var name: String
    public var path: String
    public var hostID: String
    public var hostName: String
    /// The worst severity found.
    public var severity: Severity
    /// The problems found before any action (unreachable host, empty selection, stale inventory).
    public var findings: [(code: DiagnosticCode, message: String)]
    public var actions: [ActionPlan]
    public var inventoryRefreshed: Bool
    public var inventoryTimestamp: Timestamp?
    public var inventoryStale: Bool
    /// Selected ids the host lacks.
    public var missing: [String]
    /// The time the fast refresh was given, in seconds, and whether the host set it
    /// (`connection.refresh_sla`) rather than its driver; nil for hosts that are not refreshed.
    public var refreshSLA: (seconds: Int64, fromHost: Bool)? = nil

    /// As JSON.
    public var json: JSON {
        .object([
            "policy_id": .string(policyID), "name": .string(name), "path": .string(path),
            "host": .object(["id": .string(hostID), "name": .string(hostName)]),
            "severity": .string(severity.rawValue),
            "findings": .array(findings.map { .object(["code": .string($0.code.rawValue), "severity": .string($0.code.severity.rawValue), "message": .string($0.message)]) }),
            "actions": .array(actions.map { a in
                .object([
                    "capability": .string(a.action.capability), "verb": .string(a.action.verb), "params": a.action.params,
                    "targets": .array(a.targets.map { .object(["id": .string($0.id), "idempotency_key": .string($0.key)]) }),
                    "dry_run": a.result.json(idempotencyKey: a.targets.first?.key ?? ""),
                ])
            }),
            "used_inventory": .object([
                "refreshed": .bool(inventoryRefreshed), "ts": inventoryTimestamp.map { .string($0.iso8601) } ?? .null, "stale": .bool(inventoryStale),
                "refresh_sla_s": refreshSLA.map { .integer($0.seconds) } ?? .null,
            ]),
            "missing": .array(missing.map(JSON.string)),
        ])
    }
}

extension Engine {
    /// Dry-runs policies: each host is refreshed once (the fast refresh of preflight, within
    /// the driver's SLA), then every action of every policy is dry-run on the targets it
    /// selects now. Changes nothing anywhere.
    public func plan(_ policies: [RuntimePolicy]) async -> [PolicyPlan] {
        var fresh: [String: HostInventory] = [:]
        var out: [PolicyPlan] = []
        for p in policies {
            let hostID = p.spec.targets.hostID
            let inv: HostInventory
            if let known = fresh[hostID] { inv = known } else {
                inv = await refresh(hostID)
                fresh[hostID] = inv
            }
            let host = set.hosts[hostID]
            var plan = PolicyPlan(policyID: p.id, name: p.spec.name, path: p.path, hostID: hostID, hostName: host?.name ?? hostID,
                                  severity: .info, findings: [], actions: [], inventoryRefreshed: inv.refreshedAt != nil,
                                  inventoryTimestamp: inv.refreshedAt, inventoryStale: inv.stale, missing: [])
            if let host, HostDeclarationReader.refreshedDrivers.contains(host.driver),
               let sla = drivers.driver(for: host)?.capabilities.first?.dryRunRefreshSLASeconds {
                plan.refreshSLA = (host.refreshSLASeconds(default: sla), host.refreshSLA != nil)
            }
            if !inv.reachable {
                let code = inv.problemCode ?? .hostUnreachable
                plan.findings.append((code, inv.problem ?? "host unreachable"))
                plan.severity = max(plan.severity, code.severity)
                if inv.targets.isEmpty {
                    out.append(plan)
                    continue
                }
            }
            if let finding = inv.staleFinding(hostName: plan.hostName) {
                plan.findings.append(finding)
                plan.severity = max(plan.severity, finding.code.severity)
            }
            let (targets, missing) = resolve(p, in: inv)
            plan.missing = missing
            if !missing.isEmpty {
                plan.findings.append((.targetNotFound, "\(Plural.count(missing.count, "selected target")) \(missing.count == 1 ? "is" : "are") not in \(plan.hostName)'s inventory: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", ..." : "")"))
                plan.severity = max(plan.severity, .warn)
            }
            if targets.isEmpty {
                plan.findings.append((.emptySelection, "the selector resolves to no targets on \(plan.hostName)"))
                plan.severity = max(plan.severity, .warn)
                out.append(plan)
                continue
            }
            guard let host, let driver = drivers.driver(for: host) else {
                plan.findings.append((.capabilityMissing, "no driver for host \(hostID); validate the repository again"))
                plan.severity = .error
                out.append(plan)
                continue
            }
            for spec in p.spec.actions {
                let action = PlannedAction(policyID: p.id, capability: spec.capabilityID, verb: spec.verb, params: spec.params, keyHint: spec.keyHint)
                let result = await driver.dryRun(host, action: action, targets: targets, inventory: inv)
                plan.actions.append(.init(action: action, result: result,
                                          targets: targets.map { [keys = IdempotencyKey(action: action, hostID: host.id)] in ($0.id, keys.key(targetID: $0.id)) }))
                plan.severity = max(plan.severity, result.severity)
            }
            out.append(plan)
        }
        return out
    }
}
