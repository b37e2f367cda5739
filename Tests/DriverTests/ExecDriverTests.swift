import Foundation
import Testing
import TestSupport
@testable import Drivers
import Engine
import Policy
import Secrets

/// The exec driver runs real programs: argv only, a clean environment, a timeout, output
/// truncated into the outcome, and no secret ever repeated.
@Suite struct ExecDriverTests {
    static func host(dir: String? = nil, env: [String: ConnectionValue] = [:]) -> HostDeclaration {
        HostDeclaration(path: "hosts/runner.json", id: "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f", name: "runner-1", driver: .exec,
                        connection: .exec(workingDirectory: dir, environment: env), labels: [:])
    }

    static func action(_ argv: [String], timeout: Int64 = 30) -> PlannedAction {
        PlannedAction(policyID: "p", capability: "exec.command", verb: "run",
                      params: .object(["argv": .array(argv.map(JSON.string)), "timeout_s": .integer(timeout)]), keyHint: nil)
    }

    static let local = InventoryTarget(id: "host:local", type: .host, nativeID: "local", name: "local", state: "ready")

    let driver = ExecDriver(secrets: Grants.secrets([.init(name: "runner-token", value: "tok-3f9a8b7c6d", host: "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f", field: "env.TOKEN")]),
                            clock: ManualClock())

    @Test func runsAnArgvInTheWorkingFolderWithACleanEnvironment() async throws {
        let dir = TemporaryDirectory()
        let host = Self.host(dir: dir.path, env: ["GREETING": .literal("hello world"), "TOKEN": .reference(.named("runner-token"))])
        // A shell word in an argument stays one argument: nothing is run through a shell.
        let out = await driver.execute(host, action: Self.action(["/bin/sh", "-c", "pwd; env | sort; echo $TOKEN", "ignored;rm -rf /"]), targets: [Self.local])
        #expect(out.map(\.outcome) == ["succeeded"])
        let detail = try #require(out.first?.detail)
        #expect(detail.hasPrefix("exit status 0; output: " + dir.path))
        #expect(detail.contains("GREETING=hello world") && detail.contains("PATH=/usr/local/sbin"))
        #expect(!detail.contains("HOME=") && !detail.contains("USER="))
        // The token reached the command, never the record.
        #expect(!detail.contains("tok-3f9a8b7c6d") && detail.contains("TOKEN=<secret>"))
    }

    @Test func failuresTimeoutsAndLongOutput() async {
        let host = Self.host()
        let failed = await driver.execute(host, action: Self.action(["sh", "-c", "echo oops >&2; exit 3"]), targets: [Self.local])
        #expect(failed.first?.outcome == "failed" && failed.first?.severity == .error)
        #expect(failed.first?.detail == "exit status 3; errors: oops")
        let slow = await driver.execute(host, action: Self.action(["sleep", "30"], timeout: 1), targets: [Self.local])
        #expect(slow.first?.detail?.hasPrefix("killed after the 1 s timeout") == true)
        // How long the kill takes, timed on this thread (the driver's own await would also
        // count the time the tests beside this one keep the shared threads busy).
        let started = Date()
        let killed = ExecDriver.runCommand(program: "/bin/sleep", arguments: ["30"], directory: nil, environment: [:], timeout: 1)
        #expect(!killed.succeeded && Date().timeIntervalSince(started) < 10)
        let long = await driver.execute(host, action: Self.action(["sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x"]), targets: [Self.local])
        #expect(long.first?.outcome == "succeeded")
        #expect(long.first?.detail?.contains("… (97952 more bytes)") == true)
        #expect((long.first?.detail?.count ?? 0) < 2200)
    }

    /// The command runs with every signal unblocked, in a process group of its own: a
    /// timeout stops it and whatever it started, even a child that keeps the output open.
    @Test func signalsReachTheCommandAndItsChildren() async {
        let host = Self.host()
        let mask = await driver.execute(host, action: Self.action(["grep", "SigBlk", "/proc/self/status"]), targets: [Self.local])
        #expect(mask.first?.detail?.contains("SigBlk:\t0000000000000000") == true, "\(mask.first?.detail ?? "")")
        let tree = await driver.execute(host, action: Self.action(["sh", "-c", "sleep 60 & echo started; sleep 60"], timeout: 1), targets: [Self.local])
        #expect(tree.first?.detail == "killed after the 1 s timeout; output: started")
        let started = Date()
        let killed = ExecDriver.runCommand(program: "/bin/sh", arguments: ["-c", "sleep 60 & echo started; sleep 60"], directory: nil, environment: [:], timeout: 1)
        #expect(!killed.succeeded && Date().timeIntervalSince(started) < 10)
    }

    @Test func dryRunChecksTheProgramAndTheFolderAndChangesNothing() async {
        let dir = TemporaryDirectory()
        let marker = dir.join("ran")
        let ok = await driver.dryRun(Self.host(dir: dir.path), action: Self.action(["touch", marker]), targets: [Self.local],
                                     inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(ok.ok && ok.preview.first?.contains("/usr/bin/touch \(marker)") == true)
        #expect(!FileManager.default.fileExists(atPath: marker))
        let missing = await driver.dryRun(Self.host(), action: Self.action(["no-such-program-xyz"]), targets: [Self.local],
                                          inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!missing.ok && missing.reason?.contains("no-such-program-xyz is not an executable file") == true)
        let noFolder = await driver.dryRun(Self.host(dir: "/no/such/folder"), action: Self.action(["true"]), targets: [Self.local],
                                           inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!noFolder.ok && noFolder.reason?.contains("/no/such/folder") == true)
        // Granted, but the variable it comes from is not set.
        var grants = Grants.secrets([.init(name: "missing-var", value: "x", host: "6c5d4e3f-2a1b-4c9d-8e7f-6a5b4c3d2e1f", field: "env.T")]).configuration
        grants.secrets["missing-var"]?.source = .env("MISSING_VAR")
        let unset = await ExecDriver(secrets: Secrets(environment: [:], configuration: grants), clock: ManualClock())
            .dryRun(Self.host(env: ["T": .reference(.named("missing-var"))]), action: Self.action(["true"]), targets: [Self.local],
                    inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!unset.ok && unset.reason == #"{"secret":"missing-var"}: the environment variable MISSING_VAR is not set"#)
        #expect(unset.code == .authDenied)
        // Not granted at all: refused before any value is read.
        let ungranted = await ExecDriver(secrets: Secrets(environment: ["MISSING_VAR": "v"]), clock: ManualClock())
            .dryRun(Self.host(env: ["T": .reference(.env("MISSING_VAR"))]), action: Self.action(["true"]), targets: [Self.local],
                    inventory: HostInventory(hostID: "h", targets: [], refreshedAt: nil))
        #expect(!ungranted.ok && ungranted.code == .secretNotGranted && ungranted.reason?.contains("is not listed for this host") == true)
    }
}
