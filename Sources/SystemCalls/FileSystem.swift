#if canImport(Glibc)
import Glibc
#endif

/// Calls on paths: rename, folders, modes, links, the current folder and the umask.
public enum FileSystem {
    /// `rename(2)`.
    public static func rename(_ from: String, to: String) throws(Errno) {
        guard Glibc.rename(from, to) == 0 else { throw Errno.current("rename", path: from) }
    }

    /// `mkdir(2)` with `permissions` (before the umask).
    public static func makeDirectory(_ path: String, permissions: UInt32 = 0o700) throws(Errno) {
        guard mkdir(path, mode_t(permissions)) == 0 else { throw Errno.current("mkdir", path: path) }
    }

    /// `chmod(2)`.
    public static func setPermissions(_ path: String, _ permissions: UInt32) throws(Errno) {
        guard chmod(path, mode_t(permissions)) == 0 else { throw Errno.current("chmod", path: path) }
    }

    /// What `access(2)` checks.
    public struct Access: OptionSet, Sendable {
        /// The `access(2)` mode bits.
        public let rawValue: Int32
        /// The checks of `rawValue`.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `R_OK`.
        public static let read = Access(rawValue: R_OK)
        /// `W_OK`.
        public static let write = Access(rawValue: W_OK)
        /// `X_OK` (for a folder: entering it).
        public static let execute = Access(rawValue: X_OK)
    }

    /// `access(2)`: whether the real user may do `what` with `path`; the reason when not.
    public static func checkAccess(_ path: String, _ what: Access) throws(Errno) {
        guard access(path, what.rawValue) == 0 else { throw Errno.current("access", path: path) }
    }

    /// The canonical absolute path, every symbolic link resolved (`realpath(3)`); nil when
    /// the path does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What the symbolic link `path` points to (`readlink(2)`); nil when it is not one.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process's current folder (`getcwd(3)`); nil when it cannot be had.
    public static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in the folder `path` (`opendir(3)`/`readdir(3)`), without `.` and `..`,
    /// in the order the folder gives them.
    public static func entries(of path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno.current("opendir", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Sets the process's umask (`umask(2)`); returns the previous one.
    @discardableResult
    public static func setUmask(_ mask: UInt32) -> UInt32 { UInt32(umask(mode_t(mask))) }
}
