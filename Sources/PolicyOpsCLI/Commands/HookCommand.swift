import Git
import Policy
import PolicyRepository
import Store
import SystemCalls

/// `policyops hook`: the git hooks (pre-receive, pre-commit, post-receive) and their installer.
enum HookCommand: Command {
    static let spec = CommandSpec(
        name: "hook",
        overview: "Git hooks: reject pushes and commits with blockers, wake a reconciler, install them.",
        arguments: [ArgumentSpec(name: "KIND", help: "pre-receive, pre-commit, post-receive, or install."),
                    ArgumentSpec(name: "FILE", help: "pre-commit: the staged files to check (as the pre-commit framework hands them).", optional: true, repeatable: true)],
        options: [
            .value("path", "SUBDIR", "The policy repository's folder inside the git repository (default: its root)."),
            .flag("gitlab", "pre-receive (and install of it): prefix every line with GL-HOOK-ERR: so GitLab shows it."),
            .value("git-dir", "DIR", "install: the git directory (a bare repository, or a working tree's .git)."),
            .value("kind", "KIND", "install: which hook (default: pre-receive).", choices: HookScript.allCases.map(\.rawValue)),
            .flag("force", "install: replace a hook that is not PolicyOps', keeping it as HOOK.before-policyops."),
            .value("refs", "PATTERN[,PATTERN...]", "pre-receive (and install of it): the refs this server guards (default: the operator's configuration hook.refs, else refs/heads/*); policyops.json may narrow them, never widen."),
            OperatorOptions.config,
        ],
        discussion: """
        pre-receive reads git's "<old> <new> <ref>" lines and checks every commit the push brings to a guarded ref, \
        oldest first. The server names the guarded refs (--refs, recorded in the installed hook; else hook.refs of the \
        operator's configuration, --config, also recorded; refs/heads/* without either); the hook.refs of policyops.json, read from the commit HEAD names before the push, may narrow them, and a \
        pattern of it the server's set does not cover is ignored with a warning. Any blocker rejects the whole push (exit 1). Deletions are allowed. Analyses are cached by blob id under \
        the git directory (policyops/analysis-cache).
        pre-commit checks what is staged (the index), not the working tree. Without --path it finds the policy \
        repositories itself: each FILE (or, with none, each staged JSON file) belongs to the nearest folder above it with \
        a staged policyops.json, else to the folder holding the policies/, hosts/ or ups/ on its path. A FILE that is \
        not part of a policy repository, or nothing to check at all, fails the commit with a message saying so.
        post-receive wakes the reconcilers that watch this repository; it never fails.
        """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        if arguments.positionals[0] != "pre-commit" && arguments.positionals.count > 1 {
            throw UsageError(message: "Unexpected argument '\(arguments.positionals[1])'", command: spec)
        }
        switch arguments.positionals[0] {
        case "pre-receive": return try preReceive(arguments, context)
        case "pre-commit": return try preCommit(arguments, context)
        case "post-receive": return postReceive(arguments, context)
        case "install": return try install(arguments, context)
        default:
            throw UsageError(message: "Unknown hook '\(arguments.positionals[0])'; use pre-receive, pre-commit, post-receive or install", command: spec)
        }
    }

    static func cacheFile(_ git: Repository) -> AnalysisCacheFile {
        AnalysisCacheFile(path: git.gitDirectory + "policyops/analysis-cache")
    }

    // MARK: pre-receive

    static func preReceive(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let prefix = arguments.flag("gitlab") ? "GL-HOOK-ERR: " : ""
        func say(_ line: String) { context.console.print(prefix + line) }
        let git: Repository
        do { git = try Repository.openFromEnvironment() } catch {
            throw EnvironmentError("\(error.message); pre-receive runs inside git's hook environment", underlying: error)
        }
        let updates = try PreReceiveCheck.parse(readStandardInput())
        let cache = cacheFile(git)
        let configuration = try OperatorOptions.load(arguments, context)
        let server = try serverRefs(arguments, configuration)
        if configuration.hook.runTests {
            say("policyops: warning: the operator's configuration sets hook.run_tests, but running the repository's tests in the hook is not implemented yet; only blockers are checked")
        }
        let (asked, path) = PreReceiveCheck.hookSettings(git, cache: cache, path: arguments.value("path"))
        let guarded = GuardedRefs(server: server, defaultBranch: git.headBranch, repository: asked)
        for pattern in guarded.ignored {
            say("policyops: warning: policyops.json hook.refs \"\(pattern)\" is not among the refs this server guards (\(server.joined(separator: ", "))) and is ignored".terminalSafe)
        }
        let view = RepositoryView.inside(git, prefix: path)
        let outcome = try PreReceiveCheck(git: git, view: view, cache: cache, guardedRefs: guarded).run(updates)
        if outcome.checked.isEmpty { return .success }
        let refs = outcome.refs.map { $0.hasPrefix("refs/heads/") ? String($0.dropFirst(11)) : $0 }
        guard !outcome.rejected.isEmpty else {
            say("policyops: \(Plural.count(outcome.checked.count, "commit")) on \(refs.joined(separator: ", ")) checked: no blockers")
            return .success
        }
        say("policyops: push rejected: \(outcome.rejected.count) of \(Plural.count(outcome.checked.count, "commit")) on \(refs.joined(separator: ", ")) \(outcome.rejected.count == 1 ? "has" : "have") blockers")
        for (commit, blockers) in outcome.rejected {
            say("")
            say("\(commit.id.short) \"\(commit.summary.terminalSafe)\": \(Plural.count(blockers.count, "blocker"))")
            for d in blockers.prefix(50) {
                let place = d.pointer.isEmpty ? "" : " at \(d.pointer)"
                say("  \(view.prefix)\(d.file):\(d.line):\(d.column): \(d.code.rawValue)\(place): \(d.message)".terminalSafe)
            }
            if blockers.count > 50 { say("  ... and \(blockers.count - 50) more (run policyops validate --rev \(commit.id.short))") }
        }
        say("")
        say("policyops: fix every commit (git rebase -i lets you amend the one that broke) and push again")
        return .blockers
    }

    /// The refs the server guards: `--refs`, else the operator's `hook.refs`, else every branch.
    static func serverRefs(_ arguments: ParsedArguments, _ configuration: OperatorConfiguration = .strictest) throws -> [String] {
        guard let option = arguments.value("refs") else { return configuration.hook.refs ?? GuardedRefs.serverDefault }
        guard let refs = GuardedRefs.parse(option) else {
            throw UsageError(message: "Invalid value '\(option)' for '--refs <PATTERN[,PATTERN...]>': give ref patterns such as refs/heads/main or refs/heads/release/*, separated by commas (no spaces, quotes or ..)", command: spec)
        }
        return refs
    }

    static func readStandardInput() -> String {
        // A read error ends the input where it stopped, as the end of the file would.
        var bytes: [UInt8] = []
        while let chunk = try? FileDescriptor.standardInput.read(atMost: 65_536), !chunk.isEmpty { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: pre-commit

    static func preCommit(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let here = try RepositoryView.open(context.absolute(arguments.value("path") ?? "."), requireGit: true)
        guard let git = here.git else { throw EnvironmentError("pre-commit runs inside a git repository") }
        let indexFile = context.environment["GIT_INDEX_FILE"].map { context.absolute($0) }
        let cache = cacheFile(git)
        // Files as git names them: relative to the repository's root.
        let root = here.folder.map { String($0.dropLast(here.prefix.count)) } ?? ""
        let files = arguments.positionals.dropFirst().map { raw -> String in
            let absolute = RepositoryOptions.normalize(context.absolute(raw))
            return absolute.hasPrefix(root + "/") ? String(absolute.dropFirst(root.count + 1)) : raw
        }
        var views: [RepositoryView] = []
        var snapshots: [String: Snapshot] = [:]
        func snapshot(_ folder: String) throws -> Snapshot {
            if let s = snapshots[folder] { return s }
            let s = try RepositoryView.inside(git, prefix: folder).indexSnapshot(indexFile: indexFile)
            snapshots[folder] = s
            return s
        }
        var unrecognised: [(path: String, reason: String)] = []
        if arguments.value("path") != nil {
            views = [here]
            snapshots[here.prefix] = try here.indexSnapshot(indexFile: indexFile)
            let settings = snapshots[here.prefix]!.settings
            for f in files {
                let relative = f.hasPrefix(here.prefix) ? String(f.dropFirst(here.prefix.count)) : nil
                if let relative, relative == RepositorySettings.fileName || settings.role(of: relative) != nil { continue }
                unrecognised.append((f, "it is not a policy, host, UPS or settings file of the policy repository at \(here.prefix.isEmpty ? "the root" : here.prefix)"))
            }
        } else {
            let staged: [String]
            do { staged = try git.stagedFiles(under: "", indexFile: indexFile).map(\.path) } catch { throw EnvironmentError(error.message, underlying: error) }
            let targets = try PreCommitTargets.locate(files: files, staged: staged) { try snapshot($0).settings }
            unrecognised = targets.unrecognised
            views = targets.folders.map { RepositoryView.inside(git, prefix: $0) }
        }
        for u in unrecognised {
            context.console.print("\(u.path): not part of a policy repository: \(u.reason)".terminalSafe)
        }
        if views.isEmpty && unrecognised.isEmpty {
            context.console.print("policyops: commit refused: no policy repository in what is staged (no policyops.json, and no policies/, hosts/ or ups/ folder); give --path DIR if the policies live elsewhere")
            return .blockers
        }
        var blockers = 0
        for view in views {
            let compilation = SnapshotCompiler(cache: cache).compile(try snapshot(view.prefix))
            for d in compilation.diagnostics where d.severity >= .warn {
                var line = d
                line.file = view.prefix + d.file
                context.console.print(line.textLine)
                if d.severity == .blocker { blockers += 1 }
            }
        }
        try? cache.flush()
        if !unrecognised.isEmpty {
            context.console.print("policyops: commit refused: \(Plural.count(unrecognised.count, "file")) handed to the hook \(unrecognised.count == 1 ? "is" : "are") not part of a policy repository; give --path DIR, or leave them out of the hook's files")
            return .blockers
        }
        if blockers > 0 {
            context.console.print("policyops: commit refused: what is staged has \(Plural.count(blockers, "blocker")); fix, git add, and commit again")
            return .blockers
        }
        return .success
    }

    // MARK: post-receive

    /// Wakes every reconciler registered in `<git-dir>/policyops/watchers` (one state
    /// directory per line) by writing one byte into its `nudge` FIFO, without blocking.
    /// Whatever else is there (a regular file, a symbolic link) is left alone with a
    /// warning: the watchers list must not be a way to write into, or through, a file.
    static func postReceive(_ arguments: ParsedArguments, _ context: CommandContext) -> ExitCode {
        _ = readStandardInput()
        guard let git = try? Repository.openFromEnvironment(),
              let list = try? AtomicFile.read(git.gitDirectory + "policyops/watchers") else { return .success }
        for line in String(decoding: list, as: UTF8.self).split(separator: "\n") where line.hasPrefix("/") {
            let fifo = String(line) + "/nudge"
            guard let info = FileStatus.at(fifo, followingLinks: false) else { continue }  // no reconciler listens there
            guard info.kind == .fifo else {
                context.console.error("policyops: warning: \(fifo) is not a FIFO; left alone, not written".terminalSafe)
                continue
            }
            // Opened without following a link, and checked again: it may have been replaced since.
            guard let fd = try? FileDescriptor.open(fifo, .writeOnly, options: [.nonBlocking, .noFollow, .closeOnExec]) else { continue }
            defer { fd.close() }
            guard (try? fd.status())?.kind == .fifo else {
                context.console.error("policyops: warning: \(fifo) is not a FIFO; left alone, not written".terminalSafe)
                continue
            }
            if (try? fd.write([1])) == 1 { context.console.print("policyops: woke the reconciler of \(line)") }
        }
        return .success
    }

    // MARK: install

    static func install(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let gitDirOption = arguments.value("git-dir") else {
            throw UsageError(message: "Missing expected option '--git-dir <dir>'", command: spec)
        }
        let gitDir = context.absolute(gitDirOption)
        guard AtomicFile.exists(gitDir + "/objects"), AtomicFile.exists(gitDir + "/HEAD") else {
            throw EnvironmentError("\(gitDir) is not a git directory (no objects/ and HEAD); give a bare repository or a working tree's .git")
        }
        let kind = HookScript(rawValue: arguments.value("kind") ?? "pre-receive")!
        if arguments.value("refs") != nil && kind != .preReceive {
            throw UsageError(message: "'--refs' names the refs a pre-receive hook guards; it does not apply to --kind \(kind.rawValue)", command: spec)
        }
        let refs = arguments.value("refs") == nil ? nil : try serverRefs(arguments)
        let binary = executablePath()
        let config = arguments.value("config").map(context.absolute)
        if config != nil { _ = try OperatorOptions.load(arguments, context) }
        let script = kind.render(binary: binary, path: arguments.value("path"), gitlab: arguments.flag("gitlab"), refs: refs, config: config)
        try AtomicFile.makeFolders(gitDir + "/hooks")
        let target = gitDir + "/hooks/" + kind.rawValue
        if let existing = try AtomicFile.read(target) {
            let text = String(decoding: existing, as: UTF8.self)
            if text == script {
                context.console.print("\(target) is already installed")
                return .success
            }
            if !text.contains(kind.marker) {
                guard arguments.flag("force") else {
                    throw EnvironmentError("\(target) exists and is not PolicyOps' hook; move it away, or pass --force to keep it as \(kind.rawValue).before-policyops")
                }
                let backup = target + ".before-policyops"
                if AtomicFile.exists(backup) { throw EnvironmentError("\(backup) already exists; move it away first") }
                do { try FileSystem.rename(target, to: backup) } catch { throw FileSystemError("rename", target, code: error.code) }
                context.console.print("kept the previous hook as \(backup)")
            }
        }
        try AtomicFile.write(Array(script.utf8), to: target, mode: 0o755)
        try? FileSystem.setPermissions(target, 0o755)
        context.console.print("installed \(target) -> \(binary) hook \(kind.rawValue)")
        return .success
    }

    /// The running binary's absolute path.
    static func executablePath() -> String {
        FileSystem.linkTarget("/proc/self/exe") ?? CommandLine.arguments[0]
    }
}
