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
        let names = report.policyNames
        var out = "simulate \(summary) with \(trace): \(Plural.count(report.events, "event", "events")), \(report.start.iso8601) → \(report.until.iso8601)\n"
        out += "on simulated twins of the hosts; nothing real was touched\n"
        for host in report.unknownHosts {
            out += "warning: nothing says what \(host) had (no \"hosts\" entry in the trace, no --state): its policies find no targets\n"
        }
        let dryRuns = report.records.filter { $0.kind == .dryRun }
        out += "\napplied: \(Plural.count(dryRuns.count, "policy", "policies")) dry-run, \(report.disabledAtApply.count) disabled by a failed dry-run\n"
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
        out += "\n\(verdict): \(Plural.count(decisions.count, "decision", "decisions")) (\(acted) acted), "
            + "\(Plural.count(report.count(.execution), "execution", "executions")) (\(report.failedExecutions) failed)\n"
        return out
    }

    static func markdown(_ report: ReplayReport, summary: String, trace: String) -> String {
        let cell = Markdown.text, code = Markdown.code
        let names = report.policyNames
        var out = "### PolicyOps simulation of \(cell(summary))\n\n"
        out += "Replayed \(code(trace)): \(Plural.count(report.events, "event", "events")) from \(report.start.iso8601) to \(report.until.iso8601), on simulated twins of the hosts.\n\n"
        for host in report.unknownHosts { out += "> **warning:** nothing says what \(code(host)) had; its policies find no targets.\n\n" }
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
                out += "| \(r.ts.iso8601) | \(cell(current)) | \(code(policy)) | \(r.severity >= .warn ? "**\(r.severity.rawValue)** " : "")\(cell(what)) |\n"
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

    // MARK: a commit against its base

    /// `sim.vm shutdown vm:107 on sim-rack-a: succeeded (shutdown-web-tier-on-battery)`.
    static func describe(_ a: ReplayComparison.Action, hosts: [String: String]) -> String {
        "\(a.capability) \(a.verb) \(a.targetID) on \(hosts[a.hostID] ?? a.hostID): \(a.outcome) (\(a.policyName))"
    }

    static func hostNames(_ c: ReplayComparison) -> [String: String] {
        Dictionary((c.base.hosts + c.head.hosts).map { ($0.host.id, $0.host.name) }, uniquingKeysWith: { a, _ in a })
    }

    static func verdict(_ r: ReplayReport) -> String {
        let v = r.severity >= .error ? "ERRORS" : r.severity == .warn ? "WARNINGS" : "OK"
        return "\(v): \(Plural.count(r.count(.execution), "execution", "executions")) (\(r.failedExecutions) failed)"
    }

    static func text(_ c: ReplayComparison, headings: (head: String, base: String), trace: String) -> String {
        let hosts = hostNames(c)
        var out = "simulate \(headings.head) against \(headings.base) with \(trace): \(Plural.count(c.head.events, "event", "events")), "
            + "\(c.head.start.iso8601) → \(c.head.until.iso8601)\n"
        out += "both on simulated twins of the hosts from the same starting state; nothing real was touched\n"
        for host in Set(c.head.unknownHosts + c.base.unknownHosts).sorted() {
            out += "warning: nothing says what \(host) had (no \"hosts\" entry in the trace, no --state): its policies find no targets\n"
        }
        if c.isEmpty {
            out += "\nno difference: in this outage the commit does exactly what its base does\n"
        }
        if !c.changes.isEmpty {
            out += "\nwhat runs differently (+ only with the commit, - only with the base, ~ at another moment):\n"
            for change in c.changes {
                switch change {
                case .added(let a): out += "  + \(a.ts.iso8601)  \(describe(a, hosts: hosts))\n"
                case .removed(let a): out += "  - \(a.ts.iso8601)  \(describe(a, hosts: hosts))\n"
                case .moved(let b, let h): out += "  ~ \(h.ts.iso8601)  \(describe(h, hosts: hosts)); with the base at \(b.ts.iso8601)\n"
                }
            }
        }
        if !c.disabledInHeadOnly.isEmpty { out += "\ndisabled by a failed dry-run with the commit only: \(c.disabledInHeadOnly.joined(separator: ", "))\n" }
        if !c.disabledInBaseOnly.isEmpty { out += "\ndisabled by a failed dry-run with the base only: \(c.disabledInBaseOnly.joined(separator: ", "))\n" }
        if !c.endStates.isEmpty {
            out += "\ntargets that end differently:\n"
            for e in c.endStates {
                out += "  " + e.hostName.padded(to: 18) + e.targetID.padded(to: 18) + "base \(e.base ?? "(absent)") → commit \(e.head ?? "(absent)")\n"
            }
        }
        out += "\ncommit: \(verdict(c.head))\nbase:   \(verdict(c.base))\n"
        return out
    }

    static func markdown(_ c: ReplayComparison, headings: (head: String, base: String), trace: String) -> String {
        let cell = Markdown.text, code = Markdown.code
        let hosts = hostNames(c)
        var out = "### PolicyOps simulation of \(cell(headings.head)) against \(cell(headings.base))\n\n"
        out += "Replayed \(code(trace)): \(Plural.count(c.head.events, "event", "events")) from \(c.head.start.iso8601) to \(c.head.until.iso8601), "
            + "on simulated twins of the hosts, both commits from the same starting state.\n\n"
        for host in Set(c.head.unknownHosts + c.base.unknownHosts).sorted() {
            out += "> **warning:** nothing says what \(code(host)) had; its policies find no targets.\n\n"
        }
        if c.isEmpty { out += "**No difference**: in this outage the commit does exactly what its base does.\n\n" }
        if !c.changes.isEmpty {
            out += "| | time | policy | action | target | outcome |\n|---|---|---|---|---|---|\n"
            for change in c.changes {
                let (mark, a, note): (String, ReplayComparison.Action, String) = switch change {
                case .added(let a): ("+ only with the commit", a, "")
                case .removed(let a): ("− only with the base", a, "")
                case .moved(let b, let h): ("~ moved", h, " (base: \(b.ts.iso8601))")
                }
                out += "| \(mark) | \(a.ts.iso8601)\(note) | \(code(a.policyName)) | \(cell(a.capability)) \(cell(a.verb)) | "
                    + "\(cell(a.targetID)) on \(cell(hosts[a.hostID] ?? a.hostID)) | \(cell(a.outcome)) |\n"
            }
            out += "\n"
        }
        for name in c.disabledInHeadOnly { out += "> **disabled with the commit only** (a failed dry-run): \(code(name))\n\n" }
        for name in c.disabledInBaseOnly { out += "> **disabled with the base only** (a failed dry-run): \(code(name))\n\n" }
        if !c.endStates.isEmpty {
            out += "**Targets that end differently**\n\n| host | target | base | commit |\n|---|---|---|---|\n"
            for e in c.endStates { out += "| \(cell(e.hostName)) | \(cell(e.targetID)) | \(cell(e.base ?? "(absent)")) | \(cell(e.head ?? "(absent)")) |\n" }
            out += "\n"
        }
        out += "Commit: \(verdict(c.head)). Base: \(verdict(c.base)).\n"
        return out
    }
}
