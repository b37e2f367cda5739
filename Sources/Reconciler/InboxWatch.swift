#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Tells the reconciler's loop when something arrives in the inbox folder (inotify) or in
/// the nudge FIFO, so that the loop sleeps instead of looking: one thread of its own sleeps
/// in `poll(2)` on both descriptors and a stop pipe. The watch can be lost (the folder
/// removed or moved); `isWatching` says so, `rewatch()` tries again, and the loop re-scans
/// often while it is lost and rarely (a safety net) while it holds. Every Glibc call the
/// event-driven loop needs is in this file, so that it can move into the system module.
final class InboxWatch: Service {
    /// The inbox folder watched.
    let folder: String
    private let inotify: Int32
    private let nudge: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let watchDescriptor = Mutex<Int32>(-1)
    private let onInbox: @Sendable () -> Void
    private let onNudge: @Sendable () -> Void
    private let finished = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Watches `folder` (made if missing, 0700) and reads the FIFO `nudgeDescriptor` (-1:
    /// none; owned from now on, closed when the watch stops). Nothing is read before `run()`.
    init(folder: String, nudgeDescriptor: Int32, onInbox: @escaping @Sendable () -> Void, onNudge: @escaping @Sendable () -> Void) {
        self.folder = folder
        self.onInbox = onInbox
        self.onNudge = onNudge
        nudge = nudgeDescriptor
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        } else {
            fds = [-1, -1]
        }
        stopPipe = (fds[0], fds[1])
        mkdir(folder, 0o700)
        rewatch()
    }

    /// What the watch reports: files arriving or leaving, the folder's mode changing (an
    /// unreadable inbox readable again) and the folder itself going away.
    static let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

    /// True while the inbox folder is watched: an arrival wakes the loop.
    var isWatching: Bool { watchDescriptor.withLock { $0 >= 0 } }

    /// Watches the folder again after the watch was lost (or never held); true when it holds.
    @discardableResult
    func rewatch() -> Bool {
        guard inotify >= 0 else { return false }
        return watchDescriptor.withLock { wd in
            if wd < 0 { wd = inotify_add_watch(inotify, folder, Self.mask) }
            return wd >= 0
        }
    }

    /// Runs the watching thread until `shutdown()`.
    func run() async {
        let thread = Thread { [self] in
            watch()
            closeDescriptors()
            let waiter = finished.withLock { f in
                f.done = true
                return f.waiter
            }
            waiter?.resume()
        }
        thread.name = "policyops-inbox-watch"
        thread.start()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { f in
                if !f.done { f.waiter = continuation }
                return f.done
            }
            if done { continuation.resume() }
        }
    }

    private let shutDown = Mutex(false)

    /// Stops the thread; `run()` returns once it has closed the descriptors. The write end
    /// is closed here, once, so that no later call writes into a reused descriptor.
    func shutdown() {
        let first = shutDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard first, stopPipe.write >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        close(stopPipe.write)
    }

    private func closeDescriptors() {
        if inotify >= 0 { close(inotify) }
        if nudge >= 0 { close(nudge) }
        if stopPipe.read >= 0 { close(stopPipe.read) }
    }

    /// The thread: sleeps in poll(2) until the inbox, the FIFO or the stop pipe has something.
    private func watch() {
        guard stopPipe.read >= 0 else { return }
        var fds = [pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: nudge, events: Int16(POLLIN), revents: 0)]
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            // A negative descriptor is skipped by poll(2): no inotify, or no FIFO.
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[0].revents != 0 { return }
            if fds[1].revents != 0 && readInotify() { onInbox() }
            if fds[2].revents != 0 {
                if fds[2].revents & Int16(POLLIN) != 0 {
                    drainNudge()
                    onNudge()
                } else {
                    // Hung up or invalid: never read again rather than wake for ever.
                    fds[2].fd = -1
                }
            }
        }
    }

    /// Reads the pending inotify events; true when one may be an event file (temporary
    /// files are dot names) or concerns the folder itself. A lost watch is noted.
    private func readInotify() -> Bool {
        var relevant = false
        // inotify_event is 16 bytes and the names that follow are padded to it: an
        // Int64-aligned buffer fits any event.
        var buffer = [Int64](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count <= 0 { return relevant }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + 16 <= count {
                    let mask = raw.load(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    let eventWatch = raw.load(fromByteOffset: offset, as: Int32.self)
                    if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                        // Only the watch held now is lost: a late report of an older one is not.
                        watchDescriptor.withLock { wd in
                            guard wd == eventWatch else { return }
                            if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(inotify, wd) }
                            wd = -1
                        }
                        relevant = true
                    } else if nameBytes.first != UInt8(ascii: ".") {
                        relevant = true
                    }
                    offset += 16 + length
                }
            }
        }
    }

    private func drainNudge() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(nudge, &buffer, buffer.count) > 0 {}
    }
}
