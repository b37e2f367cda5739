import Drivers
import Engine
import Policy
import Replay

/// The text and Markdown of a replay (`policyops simulate`).
enum ReplayTranscript {
    /// What an event was, in one line: `ups.state on_battery from ups:ups-main`.
    static func describe(_ event: Event, names: [String: String]) -> String {
        switch event.type {
        case .upsState: return "ups.state \(event.kind) from \(subject(event))"
        case .metric:
            return "metric " + event.attrs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + " from \(subject(event))"
        case .webhook: return "webhook.custom \(event.webhookName ?? event.kind)"
        case .timerAt, .timerAfter, .metricHold:
            let policy = event.attrs["policy"].map { names[$0] ?? $0 } ?? "a policy"
            return "\(event.type.rawValue) of \(policy) (made by the engine)"
        }
    }

    static func subject(_ event: Event) -> String {
        event.subject.kind.isEmpty ? "the first declared UPS" : "\(event.subject.kind):\(event.subject.id)"
    }

    /// Policy id → name, from the dry-runs of the apply.
    static func names(_ report: ReplayReport) -> [String: String] {
        var out: [String: String] = [:]
        for r in report.records where r.kind == .dryRun {
            if let id = r.policyID, let name = r.details["name"]?.stringValue { out[id] = name }
        }
        return out
    }

    static func results(_ results: [RecordResult], indent: String) -> String {
        guard !results.isEmpty else { return "" }
        if results.count > 12 {
            var counts: [String: Int] = [:]
            for r in results { counts[r.outcome, default: 0] += 1 }
            return indent + "\(results.count) targets: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "\n"
        }
        return results.map { r in indent + r.targetID.padded(to: 18) + r.outcome + (r.detail.map { ": \($0)" } ?? "") + "\n" }.joined()
    }

    static func text(_ report: ReplayReport, summary: String, trace: String) -> String {
        let names = names(report)
        var out = "simulate \(summary) with \(trace): \(counted(report.events, "event", "events")), \(report.start.iso8601) → \(report.until.iso8601)\n"
        out += "on simulated twins of the hosts; nothing real was touched\n"
        for host in report.unknownHosts {
            out += "warning: nothing says what \(host) had (no \"hosts\" entry in the trace, no --state): its policies find no targets\n"
        }
        let dryRuns = report.records.filter { $0.kind == .dryRun }
        out += "\napplied: \(counted(dryRuns.count, "policy", "policies")) dry-run, \(report.disabledAtApply.count) disabled by a failed dry-run\n"
        for r in report.disabledAtApply { out += "  DISABLED \(r.message)\n" }
        for r in report.records {
            switch r.kind {
            case .event:
                if let e = r.event { out += "\n\(r.ts.iso8601)  \(describe(e, names: names))\n" }
            case .decision:
                out += "  \(r.severity == .info ? "" : r.severity.rawValue.uppercased() + " ")\(r.message)\n"
                out += results(r.results, indent: "      ")
            case .execution:
                out += "  \(r.severity >= .error ? "FAILED " : "")ran \(r.message)\n"
                out += results(r.results, indent: "      ")
            default: break
            }
        }
        out += "\ntargets touched:\n"
        var any = false
        for h in report.hosts {
            for t in h.touched {
                any = true
                let label = t.name == t.id || t.id.hasSuffix(":" + t.name) ? t.id : "\(t.name) (\(t.id))"
                out += "  " + "\(h.host.name) (\(h.host.driver.rawValue))".padded(to: 26) + label.padded(to: 26) + t.states.joined(separator: " → ") + "\n"
            }
        }
        if !any { out += "  none\n" }
        if !report.ignored.isEmpty {
            out += "\nleft out of the trace: " + report.ignored.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "\n"
        }
        let decisions = report.records.filter { $0.kind == .decision }
        let acted = decisions.filter { $0.details["jobs"]?.arrayValue?.isEmpty == false }.count
        let verdict = report.severity >= .error ? "ERRORS" : report.severity == .warn ? "WARNINGS" : "OK"
        out += "\n\(verdict): \(counted(decisions.count, "decision", "decisions")) (\(acted) acted), "
            + "\(counted(report.count(.execution), "execution", "executions")) (\(report.failedExecutions) failed)\n"
        return out
    }

    static func markdown(_ report: ReplayReport, summary: String, trace: String) -> String {
        func cell(_ s: String) -> String { s.replacing("|", with: "\\|").replacing("\n", with: " ") }
        let names = names(report)
        var out = "### PolicyOps simulation of \(cell(summary))\n\n"
        out += "Replayed `\(cell(trace))`: \(counted(report.events, "event", "events")) from \(report.start.iso8601) to \(report.until.iso8601), on simulated twins of the hosts.\n\n"
        for host in report.unknownHosts { out += "> **warning:** nothing says what `\(cell(host))` had; its policies find no targets.\n\n" }
        for r in report.disabledAtApply { out += "> **disabled:** \(cell(r.message))\n\n" }
        out += "| time | event | policy | what happened |\n|---|---|---|---|\n"
        var current = ""
        for r in report.records {
            switch r.kind {
            case .event:
                current = r.event.map { describe($0, names: names) } ?? ""
            case .decision, .execution:
                let policy = r.policyID.map { names[$0] ?? $0 } ?? ""
                let what = (r.kind == .execution ? "ran " : "") + r.message
                out += "| \(r.ts.iso8601) | \(cell(current)) | `\(cell(policy))` | \(r.severity >= .warn ? "**\(r.severity.rawValue)** " : "")\(cell(what)) |\n"
            default: break
            }
        }
        out += "\n**Targets touched**\n\n| host | target | states |\n|---|---|---|\n"
        var any = false
        for h in report.hosts {
            for t in h.touched {
                any = true
                out += "| \(cell(h.host.name)) | \(cell(t.name == t.id ? t.id : "\(t.name) (\(t.id))")) | \(cell(t.states.joined(separator: " → "))) |\n"
            }
        }
        if !any { out += "| | none | |\n" }
        return out
    }
}
