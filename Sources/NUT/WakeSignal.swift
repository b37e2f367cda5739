#if canImport(Glibc)
import Glibc
#endif

/// A pause another thread can cut short, measured on the monotonic clock: `poll(2)` on a
/// pipe, whose timeout is relative. A condition variable's deadline is a moment of the wall
/// clock, so a wall clock set back by ten minutes would stop a UPS's polling for ten minutes.
final class WakeSignal: @unchecked Sendable {
    private let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Cuts the pause short, now and for every later one (the byte is never read back).
    func signal() {
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Pauses `seconds`, or until signalled; true when signalled.
    @discardableResult
    func pause(_ seconds: Double) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(seconds * 1000)
        while true {
            let left = deadline - monotonicMilliseconds()
            guard left > 0 else { return false }
            var p = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, readFD >= 0 ? 1 : 0, Int32(min(left, Int64(Int32.max))))
            if n > 0 { return true }
            if n < 0 && errno != EINTR { return false }
        }
    }
}
