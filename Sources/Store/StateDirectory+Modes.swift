#if canImport(Glibc)
import Glibc
#endif

extension StateDirectory {
    /// Takes group and other permissions away from the state directory and everything in
    /// it (folders become 0700, files 0600, read-only IR objects 0400), so that only the
    /// reconciler's user can read its ledger or write its inbox (SPEC section 10). Links
    /// are not followed and devices are left alone. Returns the paths it changed.
    @discardableResult
    public static func makePrivate(_ root: String) -> [String] {
        var changed: [String] = []
        tighten(root, depth: 0, changed: &changed)
        return changed
    }

    private static func tighten(_ path: String, depth: Int, changed: inout [String]) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let type = info.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG || type == S_IFIFO else { return }
        let mode = info.st_mode & 0o7777
        let tight = mode & 0o700
        if mode != tight, chmod(path, tight) == 0 { changed.append(path) }
        guard type == S_IFDIR, depth < 32, let dir = opendir(path) else { return }
        defer { closedir(dir) }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            tighten(path + "/" + name, depth: depth + 1, changed: &changed)
        }
    }
}
