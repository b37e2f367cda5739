import Policy
import SystemCalls

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
        guard let names = try? FileSystem.entries(of: folder).filter({ $0 != ".git" }) else { return }
        for name in names.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard let info = FileStatus.at(root + "/" + path, followingLinks: false) else { continue }
            switch info.kind {
            case .directory:
                if isCheckout(root + "/" + path) {
                    out.append(RepositoryFile(path: path, kind: .submodule, bytes: []))
                } else if descend(path) {
                    walk(root: root, relative: path, limit: limit, descend: descend, into: &out)
                }
            case .regular:
                out.append(RepositoryFile(path: path, bytes: read(root + "/" + path, limit: limit) ?? []))
            case .symbolicLink:
                out.append(RepositoryFile(path: path, kind: .symlink, bytes: []))
            default:
                continue
            }
        }
    }

    /// The content of a regular file, at most `limit + 1` bytes; nil when it cannot be read.
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: [.noFollow, .closeOnExec]) else { return nil }
        defer { fd.close() }
        let size = (try? fd.status()).map { Int($0.size) } ?? 0
        return try? fd.readFully(upTo: min(max(size, 0), limit + 1))
    }

    /// True when `path` itself is a symbolic link.
    static func isSymbolicLink(_ path: String) -> Bool {
        FileStatus.at(path, followingLinks: false)?.kind == .symbolicLink
    }

    /// True when the folder `path` is another repository's checkout (a submodule): it holds `.git`.
    static func isCheckout(_ path: String) -> Bool {
        FileStatus.at(path + "/.git", followingLinks: false) != nil
    }

    /// The first folder of `relative` (below `root`, itself not looked at) that is a
    /// symbolic link or a submodule's checkout, as a file relative to `root`; nil when
    /// none is, or the path stops.
    static func firstLink(root: String, along relative: String) -> RepositoryFile? {
        var path = ""
        for part in relative.split(separator: "/") {
            path = path.isEmpty ? String(part) : path + "/" + part
            guard let info = FileStatus.at(root + "/" + path, followingLinks: false) else { return nil }
            if info.kind == .symbolicLink { return RepositoryFile(path: path, kind: .symlink, bytes: []) }
            if info.kind == .directory && isCheckout(root + "/" + path) {
                return RepositoryFile(path: path, kind: .submodule, bytes: [])
            }
        }
        return nil
    }

    /// True when `path` is a folder.
    static func isDirectory(_ path: String) -> Bool {
        FileStatus.at(path)?.kind == .directory
    }

    /// The canonical absolute path, symbolic links resolved.
    static func realPath(_ path: String) -> String? {
        FileSystem.realPath(path)
    }
}
