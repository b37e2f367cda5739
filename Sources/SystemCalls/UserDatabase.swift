#if canImport(Glibc)
import Glibc
#endif

/// The machine's users (`getpwnam_r(3)`, `getpwuid_r(3)`, `getgrouplist(3)`) and the
/// process's own effective ids.
public enum UserDatabase {
    /// A user's entry of the password database.
    public struct Entry: Sendable, Hashable {
        /// The login name.
        public var name: String
        /// The user id.
        public var userID: UInt32
        /// The primary group.
        public var groupID: UInt32
        /// The home folder as the entry gives it (may be empty).
        public var home: String
    }

    /// The user called `name`; nil when the machine does not know it.
    public static func user(named name: String) -> Entry? {
        lookup { entry, buffer, size, result in getpwnam_r(name, entry, buffer, size, result) }
    }

    /// The user whose uid is `uid`; nil when no entry names it.
    public static func user(id uid: UInt32) -> Entry? {
        lookup { entry, buffer, size, result in getpwuid_r(uid_t(uid), entry, buffer, size, result) }
    }

    /// The process's effective user id.
    public static var effectiveUserID: UInt32 { UInt32(geteuid()) }

    /// The process's effective group id.
    public static var effectiveGroupID: UInt32 { UInt32(getegid()) }

    private static func lookup(_ call: (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> Int32) -> Entry? {
        var size = 4096
        while size <= 1 << 20 {
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, size, &found) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, found != nil, let namePointer = entry.pw_name else { return nil }
            return Entry(name: String(cString: namePointer), userID: entry.pw_uid, groupID: entry.pw_gid,
                         home: entry.pw_dir.map { String(cString: $0) } ?? "")
        }
        return nil
    }

    /// Every group `name` is in, `primary` too (`getgrouplist(3)`).
    public static func groups(of name: String, primary: UInt32) -> [UInt32] {
        var count: Int32 = 32
        while count <= 65_536 {
            var list = [gid_t](repeating: 0, count: Int(count))
            var n = count
            if getgrouplist(name, gid_t(primary), &list, &n) >= 0 { return list.prefix(Int(n)).map { UInt32($0) } }
            count = max(n, count * 2)
        }
        return [primary]
    }
}
