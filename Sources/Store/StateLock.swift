#if canImport(Glibc)
import Glibc
#endif
import Policy

/// One reconciler per state directory: an exclusive `flock` on `<state>/lock`, held for the
/// life of the process (the kernel drops it when the process dies, however it dies). The
/// file records its holder (pid, uid and user name); it is opened without following a link,
/// kept at 0600, and refused when another user owns it (SPEC section 18, "Files").
public final class StateLock: @unchecked Sendable {
    let fd: Int32

    /// Why the lock is not ours.
    public struct HeldError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Takes the lock, or fails at once saying who holds it.
    public init(stateDirectory: String) throws {
        try AtomicFile.makeFolders(stateDirectory, mode: 0o700)
        let path = stateDirectory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP { throw HeldError(message: "\(path) is a symbolic link; the lock must be a file of the reconciler's own, so it is refused") }
            throw FileSystemError("open", path)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = FileSystemError("inspect", path)
            close(fd)
            throw error
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw HeldError(message: "\(path) is not a regular file; refusing it as the lock")
        }
        guard info.st_uid == geteuid() else {
            close(fd)
            throw HeldError(message: "\(path) belongs to uid \(info.st_uid)\(LockHolder.userName(info.st_uid).map { " (\($0))" } ?? ""), "
                + "not to this reconciler's user (uid \(geteuid())); refusing a lock another user controls")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let held = errno == EWOULDBLOCK
            let record = LockHolder.Record(bytes: LockHolder.readAll(fd))
            close(fd)
            guard held else { throw FileSystemError("lock", path) }
            let holder = LockHolder(recorded: record, actualPID: LockHolder.flockHolder(of: info))
            throw HeldError(message: "another reconciler (\(holder.summary)) holds \(path)\(holder.user.map { " as user \($0)" } ?? ""); one reconciler runs per state directory")
        }
        fchmod(fd, 0o600)
        let uid = geteuid()
        let record = LockHolder.Record(pid: getpid(), uid: uid, user: LockHolder.userName(uid) ?? String(uid))
        let bytes = record.json.canonicalBytes + [0x0A]
        ftruncate(fd, 0)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        fsync(fd)
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
