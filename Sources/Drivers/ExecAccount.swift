#if canImport(Glibc)
import Glibc
#endif

/// A user of this machine as `exec` runs a command as it: its ids, its groups and its home.
struct ExecAccount: Sendable, Hashable {
    /// The login name.
    var name: String
    var uid: uid_t
    /// The primary group.
    var gid: gid_t
    /// Every group the user is in (the primary one too), as the child takes them.
    var groups: [gid_t]
    /// The home folder, HOME in the command's environment.
    var home: String

    /// The user called `name`; nil when this machine does not know it.
    static func named(_ name: String) -> ExecAccount? {
        lookup { entry, buffer, size, result in getpwnam_r(name, entry, buffer, size, result) }
    }

    /// The user whose uid is `uid`; nil when no entry names it.
    static func withID(_ uid: uid_t) -> ExecAccount? {
        lookup { entry, buffer, size, result in getpwuid_r(uid, entry, buffer, size, result) }
    }

    /// The reconciler's own (effective) user; an entry-less uid is named by its number.
    static func reconciler() -> ExecAccount {
        let uid = geteuid()
        return withID(uid) ?? ExecAccount(name: "uid \(uid)", uid: uid, gid: getegid(), groups: [getegid()], home: "/")
    }

    private static func lookup(_ call: (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> Int32) -> ExecAccount? {
        var size = 4096
        while size <= 1 << 20 {
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, size, &found) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, found != nil, let namePointer = entry.pw_name else { return nil }
            let name = String(cString: namePointer)
            let home = entry.pw_dir.map { String(cString: $0) } ?? "/"
            return ExecAccount(name: name, uid: entry.pw_uid, gid: entry.pw_gid,
                               groups: groups(of: name, primary: entry.pw_gid), home: home.isEmpty ? "/" : home)
        }
        return nil
    }

    /// The groups `name` is in, read before the fork (the child may only make system calls).
    private static func groups(of name: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 32
        while count <= 65_536 {
            var list = [gid_t](repeating: 0, count: Int(count))
            var n = count
            if getgrouplist(name, primary, &list, &n) >= 0 { return Array(list.prefix(Int(n))) }
            count = max(n, count * 2)
        }
        return [primary]
    }
}
