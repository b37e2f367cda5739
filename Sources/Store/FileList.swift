#if canImport(Glibc)
import Glibc
#endif

/// Names in a folder.
public enum FileList {
    /// The names of a folder's entries (without `.` and `..`); empty when it does not exist.
    public static func names(in folder: String) throws -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
