import Policy

/// What `metrics.prom` shows, as values (Prometheus's text exposition format): gathered by
/// the reconciler from itself, its scheduler and its engine, rendered here. Equal values
/// render equal text, so the publisher can tell an unchanged file from a changed one.
struct ReconcilerMetrics: Equatable {
    /// Seconds of the last pass that found a new commit.
    var lastPassSeconds = 0.0
    /// Commit time of the applied revision, in seconds.
    var appliedCommitTime: Int64 = 0
    var eventsTotal = 0
    var decisionsTotal = 0
    /// Executions finished, by the severity of their outcome.
    var executedBySeverity: [Severity: Int] = [:]
    /// Executions queued or running.
    var queueDepth = 0
    var ledgerBytes: Int64 = 0
    /// Policies of the applied commit by status (`active`, `disabled`, `invalid`).
    var policies: [String: Int] = [:]
    var ready = false
    var stalled = false
    var compileSeconds = DurationHistogram()
    var dryRunSeconds = DurationHistogram()
    var executionSeconds = DurationHistogram()

    /// The exposition text.
    var text: String {
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
               Severity.allCases.map { ("{severity=\"\($0.rawValue)\"}", String(executedBySeverity[$0] ?? 0)) })
        metric("execution_queue_depth", "Executions queued or running.", "gauge", [("", String(queueDepth))])
        metric("ledger_bytes", "Size of the ledger's segments.", "gauge", [("", String(ledgerBytes))])
        metric("policies", "Policies of the applied commit by status.", "gauge", ["active", "disabled", "invalid"].map { s in
            ("{status=\"\(s)\"}", String(policies[s] ?? 0))
        })
        metric("ready", "1 while the condition Ready is True (a commit is applied and nothing stalls), else 0.", "gauge", [("", ready ? "1" : "0")])
        metric("stalled", "1 while the condition Stalled is True (the tip cannot be applied: blockers, an unreadable repository), else 0.", "gauge",
               [("", stalled ? "1" : "0")])
        lines += compileSeconds.lines("policyops_compile_duration_seconds", help: "Time to compile one commit.")
        lines += dryRunSeconds.lines("policyops_dry_run_duration_seconds",
                                     help: "Time of one dry-run round: the new and changed policies of an apply (in slices of 256), or the disabled ones retried.")
        lines += executionSeconds.lines("policyops_execution_duration_seconds", help: "Time of one execution, from its start record to its execution record.")
        return lines.joined(separator: "\n") + "\n"
    }
}
