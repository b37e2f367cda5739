import Git
import Hashing
import Policy
import PolicyRepository

/// `policyops validate`: every policy, host and UPS file checked, with precise diagnostics.
enum ValidateCommand: Command {
    static let spec = CommandSpec(
        name: "validate",
        overview: "Check policies, hosts and settings; report every problem with file, line:column, JSON pointer and code.",
        arguments: [ArgumentSpec(name: "PATH", help: "Only report on these files or folders (the whole repository is still compiled).", optional: true, repeatable: true)],
        options: [RepositoryOptions.repo, RepositoryOptions.rev,
                  .value("base", "REV", "Also review the change from REV (default with --rev: its first parent): protected ports it removes or newly selects warn (PO4099)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ReportFormat.allCases.map(\.rawValue)),
                  .value("config", "FILE", "Also check this operator's configuration (what it grants; see policyops schema --kind config).")],
        discussion: "Exit status: 0 valid (warnings allowed), 1 blockers found, 2 usage or environment error.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let format = ReportFormat(rawValue: arguments.value("format") ?? "text")!
        let view = try RepositoryOptions.open(arguments, context, requireGit: arguments.value("rev") != nil || arguments.value("base") != nil)
        let snapshot: Snapshot
        var base: ObjectID?
        if let rev = arguments.value("rev") {
            let id = try view.resolve(rev)
            snapshot = try view.snapshot(at: id)
            if arguments.value("base") == nil, let git = view.git {
                base = (try? git.commit(id))?.parents.first
            }
        } else {
            snapshot = try view.workingTreeSnapshot()
        }
        if let b = arguments.value("base") { base = try view.resolve(b) }
        let compiler = SnapshotCompiler()
        var compilation = compiler.compile(snapshot)
        if let base {
            let sources = Dictionary(snapshot.files.map { ($0.path, $0.bytes) }, uniquingKeysWith: { a, _ in a })
            let before = compiler.compile(try view.snapshot(at: base))
            compilation.otherDiagnostics += PortProtectionReview(before: before, after: compilation, source: { sources[$0] }).findings
        }
        let filter = try RepositoryOptions.relativePaths(arguments.positionals, in: view, context, spec: spec)
        var report = try makeReport(compilation, snapshot: snapshot, filter: filter, source: arguments.value("rev") ?? "the working tree")
        report.pathPrefix = view.prefix
        if let config = arguments.value("config").map(context.absolute), let (_, found) = try OperatorOptions.read(config, required: true) {
            report.diagnostics += found
            report.checkedFiles.append(config)
            report.checkedConfiguration = true
        }
        context.console.print(ReportFormatter.render(report, as: format), terminator: "")
        return report.ok ? .success : .blockers
    }

    static func makeReport(_ compilation: RepositoryCompilation, snapshot: Snapshot, filter: [String], source: String) throws -> ValidationReport {
        let allFiles = snapshot.files.map(\.path)
        var selected: (String) -> Bool = { _ in true }
        if !filter.isEmpty {
            for f in filter where !(f.isEmpty || allFiles.contains(f) || allFiles.contains(where: { $0.hasPrefix(f + "/") })) {
                throw EnvironmentError("\(f) is not a policy, host or UPS file in \(source)")
            }
            selected = { path in
                path == RepositorySettings.fileName || filter.contains { f in f.isEmpty || path == f || path.hasPrefix(f + "/") }
            }
        }
        let policies = compilation.policies.filter { selected($0.path) }
        let diagnostics = compilation.diagnostics.filter { selected($0.file) }
        return ValidationReport(
            diagnostics: diagnostics,
            policies: policies.compactMap { p in
                guard p.status != .invalid, let hash = p.hash else { return nil }
                return ValidationReport.PolicySummary(path: p.path, policyID: p.policyID, hash: hash.hex)
            },
            policyFileCount: policies.count,
            checkedFiles: allFiles.filter(selected),
            hostCount: compilation.hosts.count,
            upsCount: compilation.upsDeclarations.count)
    }
}
