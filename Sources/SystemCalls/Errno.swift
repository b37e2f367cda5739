#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the `errno` it left, the call's name and the path it was given
/// (when it had one), read once where the call returns, so no caller reads `errno` itself.
public struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value.
    public var code: Int32
    /// The system call that failed (`open`, `rename`, …).
    public var call: String
    /// The path the call was given, if any.
    public var path: String?

    /// An error of `code` from `call` on `path`.
    public init(_ code: Int32, call: String, path: String? = nil) {
        self.code = code
        self.call = call
        self.path = path
    }

    /// The error the last failed call of this thread left in `errno`.
    static func current(_ call: String, path: String? = nil) -> Errno {
        Errno(errno, call: call, path: path)
    }

    /// The C library's text for the code (`strerror`): "No such file or directory".
    public var text: String { Self.text(code) }

    /// The C library's text for `code`.
    public static func text(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// `call path: text`, as the tool's messages say it.
    public var description: String {
        path.map { "\(call) \($0): \(text)" } ?? "\(call): \(text)"
    }

    /// The codes callers tell apart.
    public struct Code: Sendable, Hashable {
        /// The `errno` value.
        public var rawValue: Int32
        /// `ENOENT`: no such file or directory.
        public static let noEntry = Code(rawValue: ENOENT)
        /// `EINTR`: interrupted by a signal.
        public static let interrupted = Code(rawValue: EINTR)
        /// `EAGAIN`: it would block.
        public static let wouldBlock = Code(rawValue: EAGAIN)
        /// `EEXIST`: it exists already.
        public static let exists = Code(rawValue: EEXIST)
        /// `EACCES`: permission denied.
        public static let accessDenied = Code(rawValue: EACCES)
        /// `ELOOP`: a symbolic link where none may be (`O_NOFOLLOW`).
        public static let tooManySymbolicLinks = Code(rawValue: ELOOP)
    }

    /// True when the code is `code`.
    public func `is`(_ code: Code) -> Bool { self.code == code.rawValue }
}
