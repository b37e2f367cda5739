#if canImport(Glibc)
import Glibc
#endif
import Policy

/// Reads files from a folder on disk, without following symbolic links or entering a
/// submodule's checkout (a folder holding `.git`): both are listed as links.
enum FileTree {
    /// Every entry below `root/relative` (recursively), with paths relative to `root`.
    /// Files larger than `limit` bytes are read only up to `limit + 1` bytes: enough for
    /// the reader to report them as too large.
    static func files(root: String, under relative: String, limit: Int, descend: (String) -> Bool) -> [RepositoryFile] {
        var out: [RepositoryFile] = []
        walk(root: root, relative: relative, limit: limit, descend: descend, into: &out)
        return out
    }

    private static func walk(root: String, relative: String, limit: Int, descend: (String) -> Bool, into out: inout [RepositoryFile]) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(folder) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." || name == ".git" { continue }
            names.append(name)
        }
        closedir(dir)
        for name in names.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(root + "/" + path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                if isCheckout(root + "/" + path) {
                    out.append(RepositoryFile(path: path, kind: .submodule, bytes: []))
                } else if descend(path) {
                    walk(root: root, relative: path, limit: limit, descend: descend, into: &out)
                }
            case S_IFREG:
                out.append(RepositoryFile(path: path, bytes: read(root + "/" + path, limit: limit) ?? []))
            case S_IFLNK:
                out.append(RepositoryFile(path: path, kind: .symlink, bytes: []))
            default:
                continue
            }
        }
    }

    /// The content of a regular file, at most `limit + 1` bytes; nil when it cannot be read.
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        var buffer = [UInt8](repeating: 0, count: min(max(size, 0), limit + 1))
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            filled += n
        }
        if filled < buffer.count { buffer.removeLast(buffer.count - filled) }
        return buffer
    }

    /// True when `path` itself is a symbolic link.
    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// True when the folder `path` is another repository's checkout (a submodule): it holds `.git`.
    static func isCheckout(_ path: String) -> Bool {
        var info = stat()
        return lstat(path + "/.git", &info) == 0
    }

    /// The first folder of `relative` (below `root`, itself not looked at) that is a
    /// symbolic link or a submodule's checkout, as a file relative to `root`; nil when
    /// none is, or the path stops.
    static func firstLink(root: String, along relative: String) -> RepositoryFile? {
        var path = ""
        for part in relative.split(separator: "/") {
            path = path.isEmpty ? String(part) : path + "/" + part
            var info = stat()
            guard lstat(root + "/" + path, &info) == 0 else { return nil }
            if (info.st_mode & S_IFMT) == S_IFLNK { return RepositoryFile(path: path, kind: .symlink, bytes: []) }
            if (info.st_mode & S_IFMT) == S_IFDIR && isCheckout(root + "/" + path) {
                return RepositoryFile(path: path, kind: .submodule, bytes: [])
            }
        }
        return nil
    }

    /// True when `path` is a folder.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The canonical absolute path, symbolic links resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
