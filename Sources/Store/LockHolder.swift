#if canImport(Glibc)
import Glibc
#endif
import Policy

/// Who holds a state directory's lock: what the lock file records, checked against the
/// process the kernel says holds the `flock` (`/proc/locks`), so a pid written into the
/// file by anyone else is never taken for the holder.
public struct LockHolder: Sendable, Equatable {
    /// What the lock file says about its holder.
    public struct Record: Sendable, Equatable {
        /// The holder's pid.
        public var pid: Int32
        /// Its effective uid, when recorded.
        public var uid: UInt32?
        /// Its user name, when recorded.
        public var user: String?

        /// A record of `pid`, `uid` and `user`.
        public init(pid: Int32, uid: UInt32?, user: String?) {
            self.pid = pid
            self.uid = uid
            self.user = user
        }

        /// The record in the lock file's bytes (JSON; a bare pid from older versions), nil
        /// when it names no pid.
        public init?(bytes: [UInt8]) {
            if let json = JSON.parse(bytes), let pid = json["pid"]?.integerValue, let p = Int32(exactly: pid) {
                self.init(pid: p, uid: json["uid"]?.integerValue.flatMap { UInt32(exactly: $0) }, user: json["user"]?.stringValue)
                return
            }
            guard let pid = Int32(String(decoding: bytes, as: UTF8.self).trimmingNewline) else { return nil }
            self.init(pid: pid, uid: nil, user: nil)
        }

        /// The record as the lock file holds it.
        public var json: JSON {
            var members = [JSON.Member("pid", .integer(Int64(pid)))]
            if let uid { members.append(JSON.Member("uid", .integer(Int64(uid)))) }
            if let user { members.append(JSON.Member("user", .string(user))) }
            return .object(members)
        }
    }

    /// What the lock file records, nil when it records nothing readable.
    public var recorded: Record?
    /// The pid the kernel lists as holding the `flock`, nil when nobody holds it.
    public var actualPID: Int32?

    /// Whether a reconciler holds the lock of `stateDirectory`, and who; throws when the
    /// lock file cannot be opened (another user's state directory, for one).
    public static func inspect(stateDirectory: String) throws(FileSystemError) -> LockHolder? {
        let path = stateDirectory + "/lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FileSystemError("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw FileSystemError("inspect", path, code: EINVAL) }
        let record = Record(bytes: readAll(fd))
        if let pid = flockHolder(of: info) { return LockHolder(recorded: record, actualPID: pid) }
        // Without /proc/locks, whether the lock is held is asked of the kernel directly.
        if procLocks() != nil { return nil }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return LockHolder(recorded: record, actualPID: nil)
    }

    /// "pid 123", or what differs between the lock file and the kernel.
    public var summary: String { Self.describe(recorded: recorded, actual: actualPID) }

    /// The holder's user as the lock file records it, when the kernel confirms the holder.
    public var user: String? {
        guard let recorded, recorded.pid == actualPID else { return nil }
        return recorded.user ?? recorded.uid.map(String.init)
    }

    static func describe(recorded: Record?, actual: Int32?) -> String {
        switch (recorded, actual) {
        case let (r?, a?) where r.pid == a: return "pid \(a)"
        case let (r?, a?): return "pid \(a); the lock file names pid \(r.pid), which does not hold it"
        case let (nil, a?): return "pid \(a); the lock file names no holder"
        case let (r?, nil): return "pid \(r.pid) per the lock file, unverified: /proc/locks is not readable"
        case (nil, nil): return "pid unknown"
        }
    }

    /// The content of /proc/locks, nil when it cannot be read.
    static func procLocks() -> [UInt8]? { try? AtomicFile.read("/proc/locks") }

    /// The pid /proc/locks lists with a FLOCK on the file `info` describes.
    static func flockHolder(of info: stat) -> Int32? {
        guard let bytes = procLocks() else { return nil }
        let major = ((info.st_dev >> 8) & 0xfff) | ((info.st_dev >> 32) & ~0xfff)
        let minor = (info.st_dev & 0xff) | ((info.st_dev >> 12) & ~0xff)
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; blocked waiters carry "->".
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, UInt64(id[0], radix: 16) == UInt64(major), UInt64(id[1], radix: 16) == UInt64(minor),
                  UInt64(id[2]) == UInt64(info.st_ino) else { continue }
            return Int32(fields[4])
        }
        return nil
    }

    /// Up to 4 KiB from the start of an open file.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// The name of user `uid`, nil when it has none.
    static func userName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }
}
