import Foundation

/// An unprivileged user made for a test run with `useradd` (tests run as root) and removed
/// with `userdel`: commands that must not run as root run as it, so no test depends on the
/// users a machine happens to have.
public struct SystemUser: Sendable, Hashable {
    /// The login name.
    public let name: String
    /// Its uid.
    public let uid: UInt32
    /// Its primary group.
    public let gid: UInt32
    /// Its home folder as the password file says (not created).
    public let home: String

    /// True when the tests run as root, and so can make users and switch to them.
    public static var canCreate: Bool { geteuid() == 0 }

    /// Makes a user `prefix` plus this process's id and a count (a stale one of that name is
    /// removed first), with a group of its own and no login shell.
    public static func create(_ prefix: String) throws -> SystemUser {
        let name = "\(prefix)\(getpid())-\(made.next())"
        let home = "/nonexistent/\(name)"
        _ = try? retryingLock("/usr/sbin/userdel", [name])
        let made = try retryingLock("/usr/sbin/useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", home,
                                                          "--shell", "/usr/sbin/nologin", name])
        guard made.status == 0, let entry = getpwnam(name) else {
            throw SystemUserError(message: "useradd \(name) failed (\(made.status)): \(made.stderr)")
        }
        return SystemUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, home: home)
    }

    /// How many users this process made: each name is new, for tests that run side by side.
    private static let made = Counter()

    /// Removes the user and its group.
    public func remove() {
        _ = try? Self.retryingLock("/usr/sbin/userdel", [name])
    }

    /// useradd and userdel refuse, rather than wait, while another process (a test beside
    /// this one) holds the password file's lock: they are run again until they get it.
    static func retryingLock(_ tool: String, _ arguments: [String]) throws -> ProcessResult {
        var result = try ProcessRunner.run(tool, arguments)
        var attempts = 1
        while result.stderr.contains("lock"), attempts < 100 {
            usleep(100_000)
            result = try ProcessRunner.run(tool, arguments)
            attempts += 1
        }
        return result
    }
}

/// Why a test user could not be made.
public struct SystemUserError: Error, CustomStringConvertible {
    /// What useradd said.
    public var message: String
    public var description: String { message }
}

/// A count shared by the threads of a test run.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
