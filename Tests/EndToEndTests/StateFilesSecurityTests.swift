import Foundation
import Testing
import TestSupport

/// A second local user for permission tests (root bypasses file permissions, so the
/// attacker must be someone else), removed when the value goes away, even on failure.
final class LocalUser: @unchecked Sendable {
    let name: String
    let uid: UInt32
    let gid: UInt32

    /// Nil when the tests do not run as root (they cannot make a user then).
    static func make() throws -> LocalUser? {
        guard getuid() == 0 else { return nil }
        return try LocalUser()
    }

    private init() throws {
        name = "pot" + UUID().uuidString.prefix(8).lowercased()
        let made = try ProcessRunner.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name])
        guard made.status == 0 else { throw FixtureError("useradd \(name): \(made.stderr)") }
        guard let entry = getpwnam(name) else { throw FixtureError("useradd made no \(name)") }
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
    }

    deinit { _ = try? ProcessRunner.run("/usr/sbin/userdel", ["--force", name]) }

    /// `arguments` as this user, with no supplementary groups.
    func command(_ arguments: [String]) -> [String] {
        ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + arguments
    }

    /// Runs `arguments` as this user.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/setpriv", command(arguments), environment: environment)
    }

    /// Gives `path` and everything under it to this user.
    func own(_ path: String) throws {
        let r = try ProcessRunner.run("/bin/chown", ["-R", "\(uid):\(gid)", path])
        guard r.status == 0 else { throw FixtureError("chown \(path): \(r.stderr)") }
    }
}

/// Every path under `root` (not following links) with its `lstat` mode.
func modes(under root: String) -> [(path: String, mode: mode_t)] {
    var out: [(String, mode_t)] = []
    var info = stat()
    if lstat(root, &info) == 0 { out.append((root, info.st_mode)) }
    let items = (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []
    for item in items where lstat(root + "/" + item, &info) == 0 { out.append((root + "/" + item, info.st_mode)) }
    return out
}

/// The largest resident set a process has had, in KiB (`VmHWM` of /proc/PID/status).
func peakResidentKiB(_ pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}

/// SPEC sections 10 and 18 ("Files"): the state directory is private to the reconciler's
/// user, its lock says truthfully who holds it, and nothing dropped into the inbox can
/// hang the reconciler, exhaust its memory or stay there unrecorded.
@Suite(.serialized) struct StateFilesSecurityTests {
    static let memoryLimitKiB = 300 * 1024

    /// Watches a running reconciler until `done` holds: kills it (and fails) the moment its
    /// memory passes the limit, so an unbounded read cannot take the machine down.
    func watch(_ rig: ReconcileRig, timeout: Double = 20, _ done: () -> Bool) -> Bool {
        eventually(timeout: timeout) {
            if let pid = rig.reconciler?.pid, let peak = peakResidentKiB(pid), peak > Self.memoryLimitKiB {
                rig.reconciler?.signal(SIGKILL)
                Issue.record("the reconciler grew to \(peak) KiB")
                return true
            }
            return done()
        } && rig.reconciler?.isRunning == true
    }

    @Test func theStateDirectoryIsPrivateWhateverTheUmask() throws {
        let rig = try ReconcileRig()
        // An existing directory with wide modes, and a caller whose umask takes nothing away.
        rig.state.write("inventory/old.json", "{}")
        chmod(rig.state.path, 0o755)
        chmod(rig.state.join("inventory"), 0o777)
        chmod(rig.state.join("inventory/old.json"), 0o666)
        rig.reconciler = try BackgroundProcess("/bin/sh", ["-c", "umask 000; exec \"$0\" \"$@\"", Paths.policyops, "reconcile", "--repo", rig.repo.path,
                                                           "--state", rig.state.path, "--no-nut", "--interval", "0.2"])
        #expect(eventually { rig.applied != nil }, "\(rig.reconciler?.stderr ?? "")")
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(eventually { (try? rig.ledger(["--kind", "execution"]).count) == 1 }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.stop() == 0)
        #expect(rig.reconciler?.stderr.contains("tightened") == true, "\(rig.reconciler?.stderr ?? "")")
        let all = modes(under: rig.state.path)
        #expect(all.count > 10)
        for (path, mode) in all {
            switch mode & S_IFMT {
            case S_IFDIR: #expect(mode & 0o7777 == 0o700, "\(path) is \(String(mode & 0o7777, radix: 8))")
            case S_IFREG, S_IFIFO: #expect(mode & 0o077 == 0, "\(path) is \(String(mode & 0o7777, radix: 8))")
            default: Issue.record("unexpected \(path)")
            }
        }
        for file in ["lock", "status.json", "applied"] {
            #expect(all.first { $0.path == rig.state.join(file) }.map { $0.mode & 0o7777 } == 0o600, "\(file)")
        }
        let segments = all.filter { $0.path.hasPrefix(rig.state.join("ledger/")) && $0.mode & S_IFMT == S_IFREG }
        #expect(!segments.isEmpty && segments.allSatisfy { $0.mode & 0o7777 == 0o600 })
    }

    @Test(.enabled(if: getuid() == 0, "needs root: the test makes a second local user with useradd"))
    func anotherUserCanNeitherReadTakeTheLockNorInject() throws {
        let attacker = try #require(try LocalUser.make())
        let rig = try ReconcileRig()
        chmod(rig.state.path, 0o755)
        try rig.start()
        #expect(eventually { rig.applied != nil }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.stop() == 0)
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: rig.state.join("ledger")).sorted().first)
        let read = try attacker.run(["/bin/cat", rig.state.join("ledger/" + segment)])
        #expect(read.status != 0 && read.stdout.isEmpty, "\(attacker.name) read the ledger")
        let take = try attacker.run(["/usr/bin/flock", "--nonblock", rig.state.join("lock"), "/bin/true"])
        #expect(take.status != 0, "\(attacker.name) took the lock")
        let emit = try attacker.run([Paths.policyops, "event", "emit", "--state", rig.state.path, "--kind", "ups.state",
                                     "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(emit.status == 2, "\(emit.stdout)\(emit.stderr)")
        #expect(emit.stderr.contains("cannot write the inbox"), "\(emit.stderr)")
        // The reconciler still starts (it holds the lock itself) and nothing was injected.
        try rig.start()
        let pid = try #require(rig.reconciler?.pid)
        #expect(eventually { (try? Paths.policyops(["status", "--state", rig.state.path]))?.stdout.contains("running (pid \(pid)) as user root") == true },
                "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.reconciler?.isRunning == true)
        #expect(rig.stop() == 0)
        #expect(try rig.ledger(["--kind", "event"]).isEmpty)
    }

    @Test func statusNamesTheProcessThatReallyHoldsTheLock() throws {
        let rig = try ReconcileRig()
        try rig.start()
        #expect(eventually { rig.applied != nil }, "\(rig.reconciler?.stderr ?? "")")
        let pid = try #require(rig.reconciler?.pid)
        let before = try Paths.policyops(["status", "--state", rig.state.path])
        #expect(before.stdout.contains("running (pid \(pid)) as user "), "\(before.stdout)")
        // A lock file that names someone else: status says who really holds the lock.
        try Data("{\"pid\":1,\"uid\":0,\"user\":\"root\"}\n".utf8).write(to: URL(fileURLWithPath: rig.state.join("lock")))
        let after = try Paths.policyops(["status", "--state", rig.state.path])
        #expect(after.stdout.contains("running (pid \(pid)"), "\(after.stdout)")
        #expect(after.stdout.contains("names pid 1"), "\(after.stdout)")
        #expect(rig.stop() == 0)
        let stopped = try Paths.policyops(["status", "--state", rig.state.path])
        #expect(stopped.stdout.contains("reconciler: not running"), "\(stopped.stdout)")
    }

    @Test func aLockFileOfAnotherUserOrALinkIsRefused() throws {
        let rig = try ReconcileRig()
        symlink(rig.state.join("elsewhere"), rig.state.join("lock"))
        let linked = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--no-nut"])
        #expect(linked.status == 2, "\(linked.stderr)")
        #expect(linked.stderr.contains("symbolic link"), "\(linked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: rig.state.join("elsewhere")))
        guard let other = try LocalUser.make() else {
            print("note: the lock of another user is not tried: not root, so no second local user can be made")
            return
        }
        unlink(rig.state.join("lock"))
        rig.state.write("lock", "")
        chown(rig.state.join("lock"), other.uid, other.gid)
        let owned = try Paths.policyops(["reconcile", "--repo", rig.repo.path, "--state", rig.state.path, "--once", "--no-nut"])
        #expect(owned.status == 2, "\(owned.stderr)")
        #expect(owned.stderr.contains("belongs to uid \(other.uid)"), "\(owned.stderr)")
    }

    @Test func hostileInboxEntriesAreRejectedAndRecorded() throws {
        let rig = try ReconcileRig()
        let inbox = rig.state.join("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        // Present at start: a FIFO (it hung the start), a link to /dev/zero (it grew without
        // end), a folder and a dangling link (they stayed forever unrecorded).
        let atStart = ["000000000000001-fifo.json", "000000000000002-zero.json", "000000000000003-folder.json", "000000000000004-dangling.json"]
        #expect(mkfifo(inbox + "/" + atStart[0], 0o600) == 0)
        #expect(symlink("/dev/zero", inbox + "/" + atStart[1]) == 0)
        #expect(mkdir(inbox + "/" + atStart[2], 0o700) == 0)
        #expect(symlink(inbox + "/nowhere", inbox + "/" + atStart[3]) == 0)
        try rig.start()
        #expect(watch(rig) { rig.condition("Ready")?["status"] as? String == "True" }, "\(rig.reconciler?.stderr ?? "")")
        // While it runs: an oversize file, another FIFO, a device.
        var later = ["000000000000005-big.json", "000000000000006-fifo.json"]
        try drop(Data(("{\"pad\":\"" + String(repeating: "x", count: 200_000) + "\"}").utf8), as: later[0], in: rig.state)
        #expect(mkfifo(inbox + "/" + later[1], 0o600) == 0)
        if getuid() == 0 {
            later.append("000000000000007-device.json")
            #expect(mknod(inbox + "/" + later[2], S_IFCHR | 0o600, dev_t(0x0105)) == 0)
        }
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_mains", "--correlation-id", "after-the-junk"])
        let names = atStart + later
        func rejected() -> [[String: Any]] {
            ((try? rig.ledger(["--kind", "event"])) ?? []).filter { ($0["message"] as? String)?.contains("rejected") == true }
        }
        #expect(watch(rig) { rejected().count == names.count && (try? rig.ledger(["--correlation-id", "after-the-junk"]).isEmpty) == false },
                "\(rig.reconciler?.stderr ?? "")")
        let records = rejected()
        let reasons = ["fifo": "FIFO", "zero": "symbolic link", "folder": "folder", "dangling": "symbolic link", "big": "larger than 65536 bytes", "device": "device"]
        for name in names {
            let record = records.first { ($0["details"] as? [String: Any])?["file"] as? String == name }
            let reason = (record?["details"] as? [String: Any])?["reason"] as? String ?? ""
            let word = reasons[String(name.dropFirst(16).dropLast(5))]!
            #expect(reason.contains(word), "\(name): \(record ?? [:])")
            #expect(!entryExists(inbox + "/" + name), "\(name) is still in the inbox")
            #expect(entryExists(inbox + "/rejected/" + name), "\(name) was not moved aside")
        }
        let peak = try #require(peakResidentKiB(rig.reconciler!.pid))
        #expect(peak < Self.memoryLimitKiB)
        // Still responsive: SIGTERM ends it promptly.
        let started = Date()
        rig.reconciler?.signal(SIGTERM)
        #expect(rig.reconciler?.wait(timeout: 5) == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        print("measured: peak RSS \(peak) KiB with \(names.count) hostile inbox entries")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: the reconciler runs as a second local user (made with useradd), whom file permissions bind"))
    func anUnreadableInboxStallsAndRecovers() throws {
        let user = try #require(try LocalUser.make())
        let rig = try ReconcileRig()
        try FileManager.default.createDirectory(atPath: rig.state.join("inbox"), withIntermediateDirectories: true)
        try user.own(rig.repo.path)
        try user.own(rig.state.path)
        let environment = ["HOME": rig.state.path, "PATH": "/usr/bin:/bin"]
        rig.reconciler = try BackgroundProcess("/usr/bin/setpriv", user.command([Paths.policyops, "reconcile", "--repo", rig.repo.path, "--state", rig.state.path,
                                                                              "--no-nut", "--interval", "0.2"]), environment: environment)
        #expect(eventually { rig.condition("Ready")?["status"] as? String == "True" }, "\(rig.reconciler?.stderr ?? "")")
        // A file its user cannot read is rejected, not retried forever.
        try drop(Data("{}".utf8), as: "000000000000001-secret.json", in: rig.state, mode: 0)
        #expect(eventually {
            ((try? rig.ledger(["--kind", "event"])) ?? []).contains { (($0["details"] as? [String: Any])?["reason"] as? String)?.contains("cannot be read") == true }
        }, "\(rig.reconciler?.stderr ?? "")")
        #expect(!entryExists(rig.state.join("inbox/000000000000001-secret.json")))
        chmod(rig.state.join("inbox"), 0)
        #expect(eventually { rig.condition("Stalled")?["status"] as? String == "True" }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.condition("Stalled")?["reason"] as? String == "InboxUnreadable")
        #expect((rig.condition("Stalled")?["message"] as? String)?.contains("Permission denied") == true)
        chmod(rig.state.join("inbox"), 0o700)
        #expect(eventually { rig.condition("Stalled")?["status"] as? String == "False" }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.condition("Ready")?["status"] as? String == "True")
        // An event root emits into the user's inbox is the user's, so it is read and consumed.
        try rig.emit(["--kind", "webhook.custom", "--attr", "name=drill", "--correlation-id", "emitted-by-root"])
        #expect(eventually { (try? rig.ledger(["--correlation-id", "emitted-by-root", "--kind", "event"]))?.first?["severity"] as? String == "info" },
                "\((try? rig.ledger(["--kind", "event"])) ?? [])")
        #expect(rig.stop() == 0)
    }

    @Test func theSimDriverFailsWhenItCannotWriteItsState() throws {
        let rig = try ReconcileRig()
        // `sim` is a file, so no host state can be written under it.
        rig.state.write("sim", "not a folder")
        try rig.start()
        #expect(eventually { rig.applied != nil }, "\(rig.reconciler?.stderr ?? "")")
        try rig.emit(["--kind", "ups.state", "--subject", "ups:ups-main", "--attr", "state=on_battery"])
        #expect(eventually { (try? rig.ledger(["--kind", "execution"]).count) == 1 }, "\(rig.reconciler?.stderr ?? "")")
        #expect(rig.stop() == 0)
        let results = try rig.ledger(["--kind", "execution"]).first?["results"] as? [[String: Any]] ?? []
        #expect(!results.isEmpty)
        for r in results {
            #expect(r["outcome"] as? String == "failed", "\(r)")
            #expect((r["detail"] as? String)?.contains("cannot record the simulated state") == true, "\(r)")
        }
    }
}

/// Puts a file into the inbox whole, with its mode, as `event emit` does (written aside,
/// then renamed in), so the reconciler never sees it half written.
func drop(_ data: Data, as name: String, in state: TemporaryDirectory, mode: mode_t = 0o600) throws {
    let aside = state.join(".drop-" + name)
    try data.write(to: URL(fileURLWithPath: aside))
    guard chmod(aside, mode) == 0, rename(aside, state.join("inbox/" + name)) == 0 else { throw FixtureError("cannot drop \(name) into the inbox") }
}

/// True when something (a link included) is at `path`.
func entryExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}
