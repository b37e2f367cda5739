#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// An open file descriptor, as swift-system's: a number with the calls made on it as
/// methods, each throwing `Errno` and retrying `EINTR` itself. It does not close on its own:
/// the owner calls `close()` (usually in a `defer`).
public struct FileDescriptor: Sendable, Hashable {
    /// The descriptor's number.
    public let rawValue: Int32

    /// The descriptor `rawValue` (already open).
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Standard input (0).
    public static let standardInput = FileDescriptor(rawValue: 0)
    /// Standard output (1).
    public static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error (2).
    public static let standardError = FileDescriptor(rawValue: 2)

    /// How a file is opened for reading and writing.
    public enum AccessMode: Sendable {
        case readOnly, writeOnly, readWrite
        var flags: Int32 {
            switch self {
            case .readOnly: return O_RDONLY
            case .writeOnly: return O_WRONLY
            case .readWrite: return O_RDWR
            }
        }
    }

    /// Flags of `open(2)`.
    public struct OpenOptions: OptionSet, Sendable {
        /// The `open(2)` flags.
        public let rawValue: Int32
        /// The options of `rawValue`.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `O_NOFOLLOW`: a symbolic link as the last component fails with `ELOOP`.
        public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
        /// `O_NONBLOCK`.
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        /// `O_CLOEXEC`: not inherited by programs this process starts.
        public static let closeOnExec = OpenOptions(rawValue: O_CLOEXEC)
        /// `O_CREAT`.
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// `O_EXCL`.
        public static let exclusiveCreate = OpenOptions(rawValue: O_EXCL)
        /// `O_TRUNC`.
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// `O_APPEND`.
        public static let append = OpenOptions(rawValue: O_APPEND)
        /// `O_DIRECTORY`.
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    }

    /// Opens `path` (`open(2)`); `permissions` for a file it creates.
    public static func open(_ path: String, _ mode: AccessMode, options: OpenOptions = [.closeOnExec],
                            permissions: UInt32 = 0o600) throws(Errno) -> FileDescriptor {
        while true {
            let fd = Glibc.open(path, mode.flags | options.rawValue, mode_t(permissions))
            if fd >= 0 { return FileDescriptor(rawValue: fd) }
            if errno != EINTR { throw Errno.current("open", path: path) }
        }
    }

    /// Closes the descriptor (its errors are those of a descriptor already gone, and ignored).
    public func close() { _ = Glibc.close(rawValue) }

    /// Reads at most `buffer.count` bytes into `buffer`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        while true {
            let n = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw Errno.current("read") }
        }
    }

    /// One `read(2)` of at most `count` bytes: what was there (empty at the end of the file).
    public func read(atMost count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { raw in Result { () throws(Errno) in try read(into: raw) } }.get()
        bytes.removeLast(count - n)
        return bytes
    }

    /// Reads until `count` bytes are read or the file ends (then fewer).
    public func readFully(upTo count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = try bytes.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...])) }
            }.get()
            if n == 0 { break }
            filled += n
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Reads until the end of the file, or until more than `limit` bytes were read (then
    /// `limit + 1` bytes are returned, enough to tell that it was too long).
    public func readAll(limit: Int = .max) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= limit {
            let n = try chunk.withUnsafeMutableBytes { raw in Result { () throws(Errno) in try read(into: raw) } }.get()
            if n == 0 { break }
            let room = limit - bytes.count  // one byte more than the room tells that it was too long
            bytes += chunk[0..<(n > room ? room + 1 : n)]
        }
        return bytes
    }

    /// Writes once; returns how many bytes the kernel took.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        while true {
            let n = Glibc.write(rawValue, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw Errno.current("write") }
        }
    }

    /// One `write(2)` of `bytes`; returns how many the kernel took.
    public func write(_ bytes: [UInt8]) throws(Errno) -> Int {
        try bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try write(raw) } }.get()
    }

    /// Writes every byte (a non-blocking descriptor that is full throws `EAGAIN`).
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        var written = 0
        while written < bytes.count {
            written += try bytes.withUnsafeBytes { raw in
                Result { () throws(Errno) in try write(UnsafeRawBufferPointer(rebasing: raw[written...])) }
            }.get()
        }
    }

    /// `fsync(2)`: data and metadata on disk.
    public func sync() throws(Errno) {
        guard fsync(rawValue) == 0 else { throw Errno.current("fsync") }
    }

    /// `fdatasync(2)`: data on disk (metadata only as far as reading it back needs).
    public func dataSync() throws(Errno) {
        guard fdatasync(rawValue) == 0 else { throw Errno.current("fdatasync") }
    }

    /// `fstat(2)`: what the descriptor refers to.
    public func status() throws(Errno) -> FileStatus {
        var info = stat()
        guard fstat(rawValue, &info) == 0 else { throw Errno.current("fstat") }
        return FileStatus(info)
    }

    /// A pipe (`pipe2(2)`) whose ends are closed on exec, optionally non-blocking.
    public static func pipe(nonBlocking: Bool = false) throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        guard policyops_pipe_cloexec(&fds) == 0 else { throw Errno.current("pipe2") }
        if nonBlocking {
            for fd in fds { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }
}
