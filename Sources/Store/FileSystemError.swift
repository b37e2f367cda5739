#if canImport(Glibc)
import Glibc
#endif

/// A file-system call that failed, with the path and the system's reason.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    /// What was being done ("write", "rename", ...).
    public var operation: String
    /// The path involved.
    public var path: String
    /// errno.
    public var code: Int32

    /// A failure of `operation` on `path`; the reason is errno unless given.
    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(code)))"
    }
}
