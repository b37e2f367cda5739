import Engine
import Foundation
import HTTP
import Policy
import Secrets
import SystemCalls

/// The `exec` driver: runs a command on the reconciler's machine — an argv, never a shell
/// unless the operator allows one by path — as the operator allows it: `argv[0]` one of the
/// absolute paths of `exec.allow`, run as `exec.user` (never as root), in the host's working
/// folder, with a clean environment (the host's `env`, resolved, a standard PATH and the
/// user's HOME), killed after `timeout_s`; what it prints is kept, truncated and with every
/// form of a secret redacted, in the ledger.
public struct ExecDriver: Driver {
    public let kind = DriverKind.exec
    let secrets: Secrets
    let clock: any EngineClock
    /// The most of each output stream kept in a record.
    static let outputLimit = 2048
    /// The PATH commands run with.
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public init(secrets: Secrets, clock: any EngineClock) {
        self.secrets = secrets
        self.clock = clock
    }

    struct Settings {
        var workingDirectory: String?
        var environment: [String: String]
        /// The values that came from secret references: never repeated in a record.
        var secretValues: [String]
    }

    func settings(_ host: HostDeclaration) throws(SecretError) -> Settings {
        guard case .exec(let dir, let env) = host.connection else { throw SecretError(message: "host \(host.name) is not an exec host") }
        var resolved: [String: String] = [:]
        var secretValues: [String] = []
        for (name, value) in env {
            let text = try secrets.resolve(value, for: .host(host.id), field: "env.\(name)")
            resolved[name] = text
            if case .reference = value { secretValues.append(text) }
        }
        return Settings(workingDirectory: dir, environment: resolved, secretValues: secretValues)
    }

    /// A command the operator's grant lets start: the program's real path (what is executed),
    /// the argv as written, and the account it runs as.
    struct Launch {
        var program: String
        var argv: [String]
        var account: ExecAccount
        /// True when the child switches to `account` from root.
        var switchesUser: Bool
    }

    /// Why a command may not start, with the code it is reported with.
    struct Refusal: Error {
        var code: DiagnosticCode
        var message: String
    }

    /// Checks `argv` against the operator's `exec` grant, on what this machine says now (the
    /// program's real path, the users it knows, who the reconciler is): at dry-run and again
    /// right before the command starts.
    func launch(_ argv: [String]) -> Result<Launch, Refusal> {
        let grant = secrets.configuration.exec, file = secrets.configuration.path
        guard let first = argv.first, !first.isEmpty else { return .failure(Refusal(code: .driverFailure, message: "the command is empty")) }
        // Bare names and unlisted programs are refused before the file system is asked anything.
        if let refusal = grant.refusal(program: first, realPath: nil, configuration: file) {
            return .failure(Refusal(code: refusal.code, message: refusal.description))
        }
        guard let real = Self.realPath(first), Self.isExecutableFile(real) else {
            return .failure(Refusal(code: .driverFailure, message: "\(first) is not an executable file"))
        }
        if let refusal = grant.refusal(program: first, realPath: real, configuration: file) {
            return .failure(Refusal(code: refusal.code, message: refusal.description))
        }
        let reconciler = ExecAccount.reconciler()
        switch grant.runAs(processUID: reconciler.uid, processUser: reconciler.name, configuration: file, uid: { ExecAccount.named($0)?.uid }) {
        case .failure(let refusal):
            return .failure(Refusal(code: refusal.code, message: refusal.description))
        case .success(.reconcilerUser):
            return .success(Launch(program: real, argv: argv, account: reconciler, switchesUser: false))
        case .success(.user(let name)):
            // Looked up again for the groups and home: a user changed in between is refused.
            guard let account = ExecAccount.named(name), account.uid != 0 else {
                let refusal = ExecAccount.named(name) == nil ? ExecRefusal.unknownUser(name, configuration: file) : .rootUser(name, configuration: file)
                return .failure(Refusal(code: refusal.code, message: refusal.description))
            }
            return .success(Launch(program: real, argv: argv, account: account, switchesUser: true))
        }
    }

    /// Why the host's `env` may not reach a command (a variable that runs other code); nil when it may.
    static func environmentRefusal(_ host: HostDeclaration) -> ExecRefusal? {
        guard case .exec(_, let env) = host.connection else { return nil }
        return ExecGrant.refusal(environment: env.keys)
    }

    /// The path `path` names with every link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? { FileSystem.realPath(path) }

    /// True for a regular file with an execute bit.
    static func isExecutableFile(_ path: String) -> Bool {
        guard let info = FileStatus.at(path) else { return false }
        return info.kind == .regular && info.permissions & 0o111 != 0
    }

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        // Commands are not discovered: the hosts policies name are this machine.
        HostInventory(hostID: host.id, targets: [], refreshedAt: clock.now())
    }

    static func argv(_ action: PlannedAction) -> [String] {
        action.params["argv"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        var checks: [DryRunResult.Precondition] = []
        let argv = Self.argv(action)
        // The program and the user first: a command the operator does not allow reads no secret.
        let launch: Launch
        switch self.launch(argv) {
        case .failure(let refusal):
            checks.append(.init(check: "program is allowed", ok: false, details: refusal.message))
            return .failure(refusal.code, refusal.message, checks: checks)
        case .success(let l): launch = l
        }
        let named = argv[0]
        checks.append(.init(check: "program is allowed", ok: true, details: launch.program == named ? named : "\(named) (\(launch.program))"))
        checks.append(.init(check: "runs as", ok: true, details: "\(launch.account.name) (uid \(launch.account.uid))"))
        if let refusal = Self.environmentRefusal(host) {
            checks.append(.init(check: "environment is the program's own", ok: false, details: refusal.description))
            return .failure(refusal.code, refusal.description, checks: checks)
        }
        let settings: Settings
        do { settings = try self.settings(host) } catch {
            checks.append(.init(check: "environment resolves", ok: false, details: error.message))
            return .failure(error.code, error.message, checks: checks)
        }
        checks.append(.init(check: "environment resolves", ok: true, details: settings.environment.keys.sorted().joined(separator: ", ")))
        if let dir = settings.workingDirectory {
            var isDir: ObjCBool = false
            let ok = FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue
            checks.append(.init(check: "working folder exists", ok: ok, details: dir))
            if !ok { return .failure(.driverFailure, "the working folder \(dir) of \(host.name) does not exist", checks: checks) }
        }
        let timeout = action.params["timeout_s"]?.integerValue ?? 30
        let shown = argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        return DryRunResult(ok: true, severity: .info, preconditions: checks, planKind: "cli",
                            preview: ["run on \(host.name) (\(settings.workingDirectory ?? "/")) as \(launch.account.name), timeout \(timeout) s: \(shown)"],
                            summary: "run \(named) for \(targets.count) \(targets.count == 1 ? "target" : "targets") on \(host.name)",
                            perTarget: targets.map { .init(id: $0.id, from: "ready", to: "ran") })
    }

    public func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome] {
        var outcomes: [TargetOutcome] = []
        for target in targets {
            outcomes.append(await run(host, action: action, target: target))
        }
        return outcomes
    }

    func run(_ host: HostDeclaration, action: PlannedAction, target: InventoryTarget) async -> TargetOutcome {
        func failed(_ detail: String) -> TargetOutcome { TargetOutcome(targetID: target.id, severity: .error, outcome: "failed", detail: detail) }
        let launch: Launch
        switch self.launch(Self.argv(action)) {
        case .failure(let refusal): return failed(refusal.message)
        case .success(let l): launch = l
        }
        if let refusal = Self.environmentRefusal(host) { return failed(refusal.description) }
        let settings: Settings
        do { settings = try self.settings(host) } catch { return failed(error.message) }
        let timeout = Double(action.params["timeout_s"]?.integerValue ?? 30)
        let result = await runBlocking {
            Self.runCommand(launch, directory: settings.workingDirectory, environment: settings.environment,
                            timeout: timeout, secrets: settings.secretValues)
        }
        var detail = result.summary
        if !result.output.isEmpty { detail += "; output: " + result.output }
        if !result.errors.isEmpty { detail += "; errors: " + result.errors }
        return TargetOutcome(targetID: target.id, severity: result.succeeded ? .info : .error, outcome: result.succeeded ? "succeeded" : "failed", detail: detail)
    }

    struct CommandResult: Sendable {
        var succeeded: Bool
        var summary: String
        var output: String
        var errors: String
    }

    /// Runs the program and waits (on the calling thread) at most `timeout` seconds; then
    /// SIGTERM to its whole process group, and SIGKILL two seconds later. The program starts
    /// in a process group of its own with every signal unblocked (the reconciler's threads
    /// block most of them), so it and whatever it starts can be stopped; it runs as the
    /// launch's account, never as root. What it prints is kept with every form of each value
    /// of `secrets` redacted (a command may print what it was given), then cut.
    static func runCommand(_ launch: Launch, directory: String?, environment: [String: String], timeout: Double, secrets: [String] = []) -> CommandResult {
        let program = launch.program
        var env = environment
        if env["PATH"] == nil { env["PATH"] = path }
        if env["HOME"] == nil { env["HOME"] = launch.account.home }
        let out: (read: FileDescriptor, write: FileDescriptor), err: (read: FileDescriptor, write: FileDescriptor)
        do {
            out = try FileDescriptor.pipe()
            err = try FileDescriptor.pipe()
        } catch {
            return CommandResult(succeeded: false, summary: "cannot make pipes: \(error.text)", output: "", errors: "")
        }
        let null = try? FileDescriptor.open("/dev/null", .readOnly)
        let identity = ChildProcess.Identity(switchUser: launch.switchesUser, userID: launch.account.uid, groupID: launch.account.gid,
                                             groups: launch.account.groups)
        let spawned = Result { () throws(ChildProcess.SpawnFailure) -> Int32 in
            try ChildProcess.spawn(program, arguments: launch.argv, environment: env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
                                   directory: directory, standardInput: null ?? FileDescriptor(rawValue: -1), standardOutput: out.write,
                                   standardError: err.write, identity: identity)
        }
        null?.close()
        out.write.close()
        err.write.close()
        defer {
            out.read.close()
            err.read.close()
        }
        let pid: Int32
        switch spawned {
        case .failure(let failure):
            return CommandResult(succeeded: false, summary: "cannot start \(program) as \(launch.account.name): \(Self.failedStep(failure.step, in: directory)): \(failure.error.text)",
                                 output: "", errors: "")
        case .success(let p): pid = p
        }
        let collected = OutputCollector()
        var open = [out.read, err.read]
        var timedOut = false
        var killAt: Int64?
        let start = Self.milliseconds()
        while !open.isEmpty {
            let now = Self.milliseconds()
            if !timedOut, Double(now - start) >= timeout * 1000 {
                timedOut = true
                Signal.terminate.send(toGroup: pid)
                killAt = now + 2000
            }
            if let at = killAt, now >= at {
                Signal.kill.send(toGroup: pid)
                break  // what still holds the pipes is killed; what was read is kept
            }
            let wait = Int32(max(1, min(200, timedOut ? (killAt! - now) : Int64(timeout * 1000) - (now - start))))
            guard let ready = try? FileDescriptor.poll(open.map { ($0, .readable) }, milliseconds: wait) else { break }
            for (fd, events) in zip(open, ready) where !events.isEmpty {
                do throws(Errno) {
                    let chunk = try fd.read(atMost: 8192)
                    if chunk.isEmpty {
                        open.removeAll { $0 == fd }
                    } else {
                        collected.add(Data(chunk), stream: fd == out.read ? 0 : 1)
                    }
                } catch where error.is(.wouldBlock) {
                    continue
                } catch {
                    open.removeAll { $0 == fd }
                }
            }
        }
        let termination = try? ChildProcess.wait(pid)
        let (output, errors) = collected.texts(limit: outputLimit, redacting: secrets)
        if timedOut {
            return CommandResult(succeeded: false, summary: "killed after the \(Int(timeout)) s timeout", output: output, errors: errors)
        }
        switch termination {
        case .signalled(let signal):
            return CommandResult(succeeded: false, summary: "ended by signal \(signal)", output: output, errors: errors)
        case .exited(let code):
            return CommandResult(succeeded: code == 0, summary: "exit status \(code)", output: output, errors: errors)
        case nil:
            return CommandResult(succeeded: true, summary: "exit status 0", output: output, errors: errors)
        }
    }

    /// What the child was doing when it could not go on, in words.
    static func failedStep(_ step: ChildProcess.SpawnFailure.Step, in directory: String?) -> String {
        switch step {
        case .groups: return "cannot take the user's groups"
        case .groupID: return "cannot take the user's group"
        case .userID: return "cannot become the user"
        case .regainedRoot: return "the user could become root again"
        case .wouldBeRoot: return "it would run as root"
        case .noNewPrivileges: return "cannot forbid new privileges"
        case .directory: return "cannot enter the working folder \(directory ?? "")"
        case .exec: return "cannot execute it"
        default: return "cannot set it up"
        }
    }

    static func milliseconds() -> Int64 { Clocks.monotonicMilliseconds() }
}

/// The output of a command, gathered from two streams at once.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var streams = [Data(), Data()]
    /// Bytes kept per stream at most (the rest is counted, not kept).
    private let keep = 64 * 1024
    private var dropped = [0, 0]

    func add(_ data: Data, stream: Int) {
        lock.lock()
        defer { lock.unlock() }
        let room = max(0, keep - streams[stream].count)
        streams[stream].append(data.prefix(room))
        dropped[stream] += max(0, data.count - room)
    }

    /// Each stream as text with every form of each of `secrets` redacted, then cut to
    /// `limit` bytes with a note of what was cut (redacted first, so a cut never leaves
    /// the start of a secret behind).
    func texts(limit: Int, redacting secrets: [String] = []) -> (String, String) {
        lock.lock()
        defer { lock.unlock() }
        func cut(_ i: Int) -> String {
            let data = secrets.isEmpty ? [UInt8](streams[i]) : Redaction.redact([UInt8](streams[i]), values: secrets)
            var text = String(decoding: data.prefix(limit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let more = max(0, data.count - limit) + dropped[i]
            if more > 0 { text += " … (\(more) more bytes)" }
            return text
        }
        return (cut(0), cut(1))
    }
}
