#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Synchronization

/// Files written so that a crash at any instant leaves either the old content or the new
/// content, never a mix: a temporary file in the same folder, fsync, rename over the
/// target, fsync of the folder.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically and durably.
    /// `owner` (uid, gid), when given, is set on the temporary file before it is renamed
    /// in, so the file never appears under another owner.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, owner: (uid_t, gid_t)? = nil) throws(FileSystemError) {
        let folder = parent(of: path)
        let temporary = temporaryPath(for: path)
        try writeFile(bytes, to: temporary, mode: mode, sync: true)
        if let owner, chown(temporary, owner.0, owner.1) != 0 {
            let error = FileSystemError("set the owner of", temporary)
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let error = FileSystemError("rename into place", path)
            unlink(temporary)
            throw error
        }
        try syncFolder(folder)
    }

    /// Writes a string as UTF-8.
    public static func write(_ text: String, to path: String) throws(FileSystemError) {
        try write(Array(text.utf8), to: path)
    }

    /// The whole content of `path`, nil when it does not exist.
    public static func read(_ path: String) throws(FileSystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileSystemError("open", path)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("read", path)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Creates `path` and its parents as folders when missing, with `mode` (the umask can
    /// only narrow it; existing folders are left as they are).
    public static func makeFolders(_ path: String, mode: mode_t = 0o755) throws(FileSystemError) {
        if path.isEmpty || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return }
            throw FileSystemError("create the folder", path, code: ENOTDIR)
        }
        try makeFolders(parent(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw FileSystemError("create the folder", path) }
    }

    /// True when something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// fsync of a folder, making the renames and creations in it durable.
    public static func syncFolder(_ folder: String) throws(FileSystemError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open the folder", folder) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw FileSystemError("sync the folder", folder) }
    }

    /// Flushes every written file of the file system that holds `path` (one call instead of
    /// one fsync per file when many files are written at once).
    public static func syncFileSystem(containing path: String) throws(FileSystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        if policyops_syncfs(fd) != 0 { throw FileSystemError("sync the file system of", path) }
    }

    static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, sync: Bool) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileSystemError("create", path) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = FileSystemError("write", path)
                close(fd)
                unlink(path)
                throw error
            }
            written += n
        }
        if sync && fsync(fd) != 0 {
            let error = FileSystemError("sync", path)
            close(fd)
            unlink(path)
            throw error
        }
        if close(fd) != 0 { throw FileSystemError("close", path) }
    }

    private static let counter = Atomic<UInt64>(0)

    /// A unique temporary name next to `path`; `.tmp-` names are swept on start.
    static func temporaryPath(for path: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return parent(of: path) + "/.tmp-\(getpid())-\(n)-" + name(of: path)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
