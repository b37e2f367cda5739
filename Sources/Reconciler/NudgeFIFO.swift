#if canImport(Glibc)
import Glibc
#endif
import Git
import PolicyRepository
import Store

/// The FIFO the post-receive hook writes into (`<state>/nudge`), and this state directory
/// listed in the watched repository's `policyops/watchers` so that the hook finds it.
enum NudgeFIFO {
    /// Makes (or replaces) the FIFO, registers the state directory and returns the FIFO's
    /// descriptor, opened without blocking; -1 when it is not a FIFO and is not read.
    /// Opened for reading and writing: a FIFO read-only reports a hang-up for ever once its
    /// last writer closed, which would wake a `poll(2)` without end.
    static func open(stateDirectory: String, repository: String, log: ReconcilerLog) -> Int32 {
        let path = stateDirectory + "/nudge"
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFIFO {
            // Only a FIFO is read: a link is never followed (one to /dev/zero would answer
            // every read for ever) and a file or link planted here is replaced.
            log.warn("the nudge was not a FIFO; replaced by one", ["path": path, "was": fileKind(info.st_mode)])
            unlink(path)
        }
        if lstat(path, &info) != 0 { mkfifo(path, 0o600) }
        var fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0, fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFIFO {
            close(fd)
            fd = -1
            log.warn("the nudge is not a FIFO and is not read; pushes are seen at the next poll", ["path": path])
        }
        register(stateDirectory: stateDirectory, repository: repository)
        return fd
    }

    /// Lists the state directory in the repository's `policyops/watchers` (once).
    static func register(stateDirectory: String, repository: String) {
        guard let view = try? RepositoryView.open(repository, requireGit: true), let git = view.git else { return }
        let watchers = git.gitDirectory + "policyops/watchers"
        let me = stateDirectory.hasPrefix("/") ? stateDirectory : FileTreePath.absolute(stateDirectory)
        let current = (try? AtomicFile.read(watchers)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if !current.split(separator: "\n").contains(Substring(me)) {
            try? AtomicFile.makeFolders(git.gitDirectory + "policyops")
            try? AtomicFile.write(current + me + "\n", to: watchers)
        }
    }

    /// What a file mode says the file is, for a log line.
    static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: return "symbolic link"
        case S_IFREG: return "regular file"
        case S_IFDIR: return "folder"
        case S_IFCHR, S_IFBLK: return "device"
        case S_IFSOCK: return "socket"
        default: return "other"
        }
    }
}
