#if canImport(Glibc)
import Glibc
#endif

/// One reconciler per state directory: an exclusive `flock` on `<state>/lock`, held for the
/// life of the process (the kernel drops it when the process dies, however it dies).
public final class StateLock: @unchecked Sendable {
    let fd: Int32

    /// Why the lock is not ours.
    public struct HeldError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Takes the lock, or fails at once saying who holds it.
    public init(stateDirectory: String) throws {
        try AtomicFile.makeFolders(stateDirectory)
        let path = stateDirectory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let held = errno == EWOULDBLOCK
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buffer, 63, 0)
            close(fd)
            guard held else { throw FileSystemError("lock", path) }
            let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingNewline : "?"
            throw HeldError(message: "another reconciler (pid \(pid)) holds \(path); one reconciler runs per state directory")
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension String {
    var trimmingNewline: String {
        var s = self
        while s.hasSuffix("\n") || s.hasSuffix("\0") { s.removeLast() }
        return s
    }
}
