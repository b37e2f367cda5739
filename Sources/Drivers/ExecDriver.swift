#if canImport(Glibc)
import Glibc
#endif
import CSystem
#if canImport(CDispatch)
// Swift 6.3 on Linux attributes Glibc's timespec to CDispatch (as Foundation loads it) once
// the HTTP module's interface names C function pointers; MemberImportVisibility then wants it imported.
import CDispatch
#endif
import Engine
import Foundation
import HTTP
import Policy
import Secrets

/// The `exec` driver: runs a command on the reconciler's machine — an argv, never a shell —
/// in the host's working folder, with a clean environment (the host's `env`, resolved, and a
/// standard PATH), killed after `timeout_s`; what it prints is kept, truncated, in the ledger.
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

    public nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory {
        // Commands are not discovered: the hosts policies name are this machine.
        HostInventory(hostID: host.id, targets: [], refreshedAt: clock.now())
    }

    /// The program `argv[0]` names: a path as it is, a bare name looked up in PATH.
    static func program(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        return nil
    }

    static func argv(_ action: PlannedAction) -> [String] {
        action.params["argv"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult {
        var checks: [DryRunResult.Precondition] = []
        let argv = Self.argv(action)
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
        guard let first = argv.first, let program = Self.program(first) else {
            let reason = "\(argv.first ?? "the command") is not an executable file (looked up in \(Self.path))"
            checks.append(.init(check: "program is executable", ok: false, details: reason))
            return .failure(.driverFailure, reason, checks: checks)
        }
        checks.append(.init(check: "program is executable", ok: true, details: program))
        let timeout = action.params["timeout_s"]?.integerValue ?? 30
        let shown = ([program] + argv.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        return DryRunResult(ok: true, severity: .info, preconditions: checks, planKind: "cli",
                            preview: ["run on \(host.name) (\(settings.workingDirectory ?? "/")), timeout \(timeout) s: \(shown)"],
                            summary: "run \(first) for \(targets.count) \(targets.count == 1 ? "target" : "targets") on \(host.name)",
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
        let argv = Self.argv(action)
        guard let first = argv.first, let program = Self.program(first) else { return failed("\(argv.first ?? "the command") is not an executable file") }
        let settings: Settings
        do { settings = try self.settings(host) } catch { return failed(error.message) }
        let timeout = Double(action.params["timeout_s"]?.integerValue ?? 30)
        let result = await runBlocking {
            Self.runCommand(program: program, arguments: Array(argv.dropFirst()),
                            directory: settings.workingDirectory, environment: settings.environment, timeout: timeout)
        }
        var detail = result.summary
        if !result.output.isEmpty { detail += "; output: " + result.output }
        if !result.errors.isEmpty { detail += "; errors: " + result.errors }
        // A command may print what it was given: secrets never reach the ledger.
        for value in settings.secretValues where !value.isEmpty { detail = detail.replacingOccurrences(of: value, with: "<secret>") }
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
    /// block most of them), so it and whatever it starts can be stopped.
    static func runCommand(program: String, arguments: [String], directory: String?, environment: [String: String], timeout: Double) -> CommandResult {
        var env = environment
        if env["PATH"] == nil { env["PATH"] = path }
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard policyops_pipe_cloexec(&out) == 0, policyops_pipe_cloexec(&err) == 0 else {
            return CommandResult(succeeded: false, summary: "cannot make pipes: \(String(cString: strerror(errno)))", output: "", errors: "")
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var spawnError: Int32 = 0
        let pid = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                policyops_spawn(program, a.baseAddress, e.baseAddress, directory, null, out[1], err[1], &spawnError)
            }
        }
        close(null)
        close(out[1])
        close(err[1])
        defer {
            close(out[0])
            close(err[0])
        }
        guard pid > 0 else {
            return CommandResult(succeeded: false, summary: "cannot start \(program): \(String(cString: strerror(spawnError)))", output: "", errors: "")
        }
        let collected = OutputCollector()
        var open = [out[0], err[0]]
        var timedOut = false
        var killAt: Int64?
        let start = Self.milliseconds()
        while !open.isEmpty {
            let now = Self.milliseconds()
            if !timedOut, Double(now - start) >= timeout * 1000 {
                timedOut = true
                kill(-pid, SIGTERM)
                killAt = now + 2000
            }
            if let at = killAt, now >= at {
                kill(-pid, SIGKILL)
                break  // what still holds the pipes is killed; what was read is kept
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = Int32(max(1, min(200, timedOut ? (killAt! - now) : Int64(timeout * 1000) - (now - start))))
            guard poll(&fds, nfds_t(fds.count), wait) >= 0 || errno == EINTR else { break }
            for f in fds where f.revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 8192)
                let n = read(f.fd, &chunk, chunk.count)
                if n > 0 {
                    collected.add(Data(chunk[0..<n]), stream: f.fd == out[0] ? 0 : 1)
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open.removeAll { $0 == f.fd }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let (output, errors) = collected.texts(limit: outputLimit)
        if timedOut {
            return CommandResult(succeeded: false, summary: "killed after the \(Int(timeout)) s timeout", output: output, errors: errors)
        }
        let signal = status & 0x7F
        if signal != 0 { return CommandResult(succeeded: false, summary: "ended by signal \(signal)", output: output, errors: errors) }
        let code = (status >> 8) & 0xFF
        return CommandResult(succeeded: code == 0, summary: "exit status \(code)", output: output, errors: errors)
    }

    static func milliseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
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

    /// Each stream as text, cut to `limit` bytes with a note of what was cut.
    func texts(limit: Int) -> (String, String) {
        lock.lock()
        defer { lock.unlock() }
        func cut(_ i: Int) -> String {
            let data = streams[i]
            var text = String(decoding: data.prefix(limit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let more = max(0, data.count - limit) + dropped[i]
            if more > 0 { text += " … (\(more) more bytes)" }
            return text
        }
        return (cut(0), cut(1))
    }
}
