import Git
import Policy
import PolicyRepository

/// `policyops diff BASE HEAD`: what a change does, policy by policy.
enum DiffCommand: Command {
    static let spec = CommandSpec(
        name: "diff",
        overview: "Show what changes between two revisions, policy by policy: fields, targets, execution order.",
        arguments: [ArgumentSpec(name: "BASE", help: "The revision compared from (e.g. origin/main)."),
                    ArgumentSpec(name: "HEAD", help: "The revision compared to (e.g. HEAD).")],
        options: [RepositoryOptions.repo, .value("format", "FORMAT", "Output format (default: text); markdown suits a pull-request comment.", choices: ["text", "json", "markdown"])],
        discussion: "Fields are those of the normalized specs, so reformatting or spelling a default out is no change.\nExit status: 0, or 1 when HEAD has blockers; 2 usage or environment error.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let view = try RepositoryOptions.open(arguments, context, requireGit: true)
        let baseRev = arguments.positionals[0], headRev = arguments.positionals[1]
        let base = try view.resolve(baseRev), head = try view.resolve(headRev)
        let compiler = SnapshotCompiler(cache: MemoryAnalysisCache())
        let before = compiler.compile(try view.snapshot(at: base))
        let headSnapshot = try view.snapshot(at: head)
        let after = compiler.compile(headSnapshot)
        let sources = Dictionary(headSnapshot.files.map { ($0.path, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        let diff = PolicyDiff(before: before, after: after, source: { sources[$0] })
        let range = "\(base.short)..\(head.short)"
        switch arguments.value("format") ?? "text" {
        case "json": context.console.print(json(diff, base: base, head: head).pretty(), terminator: "")
        case "markdown": context.console.print(markdown(diff, range: range, baseRev: baseRev, headRev: headRev), terminator: "")
        default: context.console.print(text(diff, range: range, prefix: view.prefix).terminalSafeLines, terminator: "")
        }
        return diff.blockersAfter.isEmpty ? .success : .blockers
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }

    static func orderText(_ o: PolicyDiff.OrderChange) -> String {
        var text = o.priorityBefore == o.priorityAfter ? "priority \(o.priorityAfter)" : "priority \(o.priorityBefore) → \(o.priorityAfter)"
        switch (o.positionBefore, o.positionAfter) {
        case (let b?, let a?) where a != b: text += ": runs \(ordinal(a)) of \(o.count) (was \(ordinal(b)))"
        case (_, let a?): text += ": runs \(ordinal(a)) of \(o.count)"
        default: break
        }
        return text
    }

    static func summaryCounts(_ diff: PolicyDiff) -> String {
        let kinds = diff.entries.map(\.kind)
        var parts: [String] = []
        for (kind, word) in [(PolicyDiff.Entry.Kind.changed, "changed"), (.added, "added"), (.removed, "removed")] {
            let n = kinds.filter { $0 == kind }.count
            if n > 0 { parts.append("\(n) \(word)") }
        }
        parts.append("\(diff.unchanged) unchanged")
        return Plural.count(diff.entries.count + diff.unchanged, "policy", "policies") + ": " + parts.joined(separator: ", ")
    }

    // MARK: text

    static func text(_ diff: PolicyDiff, range: String, prefix: String) -> String {
        var out = "policyops diff \(range)\(prefix.isEmpty ? "" : " (\(prefix))")\n"
        if !diff.protection.isEmpty {
            out += "! port protection: \(Plural.count(diff.protection.count, "warning")) (read these first)\n"
            for d in diff.protection { out += "!   warn \(d.code.rawValue) \(d.file):\(d.line):\(d.column): \(d.message)\n" }
        }
        for e in diff.entries {
            let mark = e.kind == .added ? "+" : e.kind == .removed ? "-" : "~"
            out += "\(mark) \(e.path)  \(e.name ?? "")"
            if let s = e.statusAfter, e.kind != .removed, e.statusBefore.map({ $0 != s }) ?? (s != .compiled) {
                out += "  [\(e.statusBefore.map { "\($0.rawValue) → " } ?? "")\(s.rawValue)]"
            }
            out += "\n"
            if let t = e.targets {
                switch e.kind {
                case .added: out += "    targets: \(t.afterOnHost)\n"
                case .removed: out += "    targets were: \(t.beforeOnHost)\n"
                case .changed: out += "    targets: \(t.summary)\n"
                }
            }
            if let o = e.order { out += "    order: \(orderText(o))\n" }
            for f in e.fields where !(e.targets != nil && f.pointer.hasPrefix("/targets/")) && f.pointer != "/priority" {
                out += "    \(f.pointer): \(f.summary)\n"
            }
            for d in e.blockers.prefix(10) { out += "    blocker \(d.code.rawValue) \(d.file):\(d.line):\(d.column): \(d.message)\n" }
        }
        for h in diff.hosts {
            let mark = h.kind == .added ? "+" : h.kind == .removed ? "-" : "~"
            out += "\(mark) \(h.path)  host \(h.name)\n"
            for f in h.fields { out += "    \(f.pointer): \(f.summary)\n" }
        }
        for u in diff.ups {
            let mark = u.kind == .added ? "+" : u.kind == .removed ? "-" : "~"
            out += "\(mark) \(u.path)  UPS \(u.name)\n"
            for f in u.fields { out += "    \(f.pointer): \(f.summary)\n" }
        }
        let listed = Set(diff.entries.flatMap { $0.blockers })
        for d in diff.blockersAfter where !listed.contains(d) {
            out += "! blocker \(d.code.rawValue) \(d.file):\(d.line):\(d.column): \(d.message)\n"
        }
        out += summaryCounts(diff)
        if !diff.blockersAfter.isEmpty { out += "; \(Plural.count(diff.blockersAfter.count, "blocker")) after the change" }
        return out + "\n"
    }

    // MARK: json

    static func json(_ diff: PolicyDiff, base: ObjectID, head: ObjectID) -> JSON {
        func fields(_ fs: [PolicyDiff.FieldChange]) -> JSON {
            .array(fs.map { .object(["pointer": .string($0.pointer), "from": $0.before ?? .null, "to": $0.after ?? .null]) })
        }
        return .object([
            "base": .string(base.hex),
            "head": .string(head.hex),
            "policies": .array(diff.entries.map { e in
                var members: [JSON.Member] = [
                    .init("path", .string(e.path)), .init("policy_id", .string(e.policyID)), .init("name", e.name.map(JSON.string) ?? .null),
                    .init("change", .string(e.kind.rawValue)),
                    .init("status", .object(["before": e.statusBefore.map { .string($0.rawValue) } ?? .null,
                                             "after": e.statusAfter.map { .string($0.rawValue) } ?? .null])),
                    .init("fields", fields(e.fields)),
                ]
                if let t = e.targets {
                    members.append(.init("targets", .object([
                        "before": .string(t.before), "after": .string(t.after),
                        "added": .array(t.added.map(JSON.string)), "removed": .array(t.removed.map(JSON.string)),
                        "summary": .string(t.summary),
                    ])))
                }
                if let o = e.order {
                    members.append(.init("order", .object([
                        "priority_before": .integer(o.priorityBefore), "priority_after": .integer(o.priorityAfter),
                        "position_before": o.positionBefore.map { .integer(Int64($0)) } ?? .null,
                        "position_after": o.positionAfter.map { .integer(Int64($0)) } ?? .null,
                        "of": .integer(Int64(o.count)),
                    ])))
                }
                members.append(.init("blockers", .array(e.blockers.map(\.json))))
                return .object(members)
            }),
            "hosts": .array(diff.hosts.map { h in
                .object(["path": .string(h.path), "name": .string(h.name), "change": .string(h.kind.rawValue), "fields": fields(h.fields)])
            }),
            "ups": .array(diff.ups.map { u in
                .object(["path": .string(u.path), "id": .string(u.name), "change": .string(u.kind.rawValue), "fields": fields(u.fields)])
            }),
            "protection": .array(diff.protection.map(\.json)),
            "unchanged": .integer(Int64(diff.unchanged)),
            "ok": .bool(diff.blockersAfter.isEmpty),
        ])
    }

    // MARK: markdown

    static func markdown(_ diff: PolicyDiff, range: String, baseRev: String, headRev: String) -> String {
        let code = Markdown.code, cell = Markdown.text
        var out = "### PolicyOps: \(summaryCounts(diff))\n\n"
        out += "Comparing \(code(baseRev)) → \(code(headRev)) (\(range)).\n\n"
        if !diff.protection.isEmpty {
            out += "> ⚠️ **Port protection: \(Plural.count(diff.protection.count, "warning"))**: this change removes or bypasses protected ports.\n"
            for d in diff.protection { out += "> - `\(d.code.rawValue)` \(cell(d.file)):\(d.line):\(d.column): \(cell(d.message))\n" }
            out += "\n"
        }
        if !diff.blockersAfter.isEmpty {
            out += "> **\(Plural.count(diff.blockersAfter.count, "blocker")) after this change**: the push would be rejected. Run \(code("policyops validate --rev " + headRev)).\n"
            for d in diff.blockersAfter.prefix(20) { out += "> - `\(d.code.rawValue)` \(cell(d.file)):\(d.line):\(d.column): \(cell(d.message))\n" }
            out += "\n"
        }
        if diff.entries.isEmpty && diff.hosts.isEmpty && diff.ups.isEmpty {
            return out + "No policy changes.\n"
        }
        if !diff.entries.isEmpty {
            out += "| | policy | what changes |\n|---|---|---|\n"
            for e in diff.entries {
                let mark = e.kind == .added ? "➕" : e.kind == .removed ? "➖" : "✏️"
                var what: [String] = []
                switch e.kind {
                case .added: what.append(cell("added" + (e.statusAfter.map { " (\($0.rawValue))" } ?? "") + (e.targets.map { ": \($0.afterOnHost)" } ?? "")))
                case .removed: what.append(cell("removed: it stops" + (e.targets.map { " acting on \($0.beforeOnHost)" } ?? "")))
                case .changed:
                    if let t = e.targets { what.append(cell("targets \(t.summary)")) }
                    if let o = e.order { what.append(cell(orderText(o))) }
                    let others = e.fields.filter { !(e.targets != nil && $0.pointer.hasPrefix("/targets/")) && $0.pointer != "/priority" }
                    if !others.isEmpty { what.append(others.map { code($0.pointer) }.joined(separator: ", ")) }
                    if let b = e.statusBefore, let a = e.statusAfter, a != b { what.append(cell("\(b.rawValue) → \(a.rawValue)")) }
                }
                if !e.blockers.isEmpty { what.append("**\(Plural.count(e.blockers.count, "blocker"))**") }
                out += "| \(mark) | \(code(e.name ?? e.path))<br>\(cell(e.path)) | \(what.joined(separator: "; ")) |\n"
            }
            out += "\n"
        }
        for e in diff.entries where !e.fields.isEmpty || !e.blockers.isEmpty {
            out += "<details><summary>\(Markdown.html(e.name ?? e.path)): \(Plural.count(e.fields.count, "field"))\(e.blockers.isEmpty ? "" : ", \(Plural.count(e.blockers.count, "blocker"))")</summary>\n\n"
            if !e.fields.isEmpty {
                out += "| field | before | after |\n|---|---|---|\n"
                for f in e.fields {
                    out += "| \(code(f.pointer)) | \(f.before.map { code($0.canonicalString) } ?? "—") | \(f.after.map { code($0.canonicalString) } ?? "—") |\n"
                }
                out += "\n"
            }
            for d in e.blockers { out += "- `\(d.code.rawValue)` \(cell(d.file)):\(d.line):\(d.column) \(code(d.pointer)): \(cell(d.message))\n" }
            out += "\n</details>\n\n"
        }
        if !diff.hosts.isEmpty {
            out += "**Hosts:** " + diff.hosts.map { "\($0.kind.rawValue) \(code($0.name))" + ($0.fields.isEmpty ? "" : " (\($0.fields.map { code($0.pointer) }.joined(separator: ", ")))") }.joined(separator: "; ") + "\n"
        }
        if !diff.ups.isEmpty {
            out += "**UPS:** " + diff.ups.map { "\($0.kind.rawValue) \(code($0.name))" + ($0.fields.isEmpty ? "" : " (\($0.fields.map { code($0.pointer) }.joined(separator: ", ")))") }.joined(separator: "; ") + "\n"
        }
        return out
    }
}
