#if canImport(Glibc)
import Glibc
#endif

extension FileDescriptor {
    /// Events `poll(2)` waits for or reports.
    public struct Events: OptionSet, Sendable, Hashable {
        /// The `poll(2)` bits.
        public let rawValue: Int16
        /// The events of `rawValue`.
        public init(rawValue: Int16) { self.rawValue = rawValue }
        /// Readable (`POLLIN`).
        public static let readable = Events(rawValue: Int16(POLLIN))
        /// Writable (`POLLOUT`).
        public static let writable = Events(rawValue: Int16(POLLOUT))
    }

    /// Waits at most `milliseconds` for `events` on each descriptor of `descriptors`
    /// (`poll(2)`, on the monotonic clock); returns what each reported (`revents`, error and
    /// hang-up bits included). Interrupted by a signal, it returns nothing ready, like a
    /// timeout: the caller looks at its own deadline again.
    public static func poll(_ descriptors: [(FileDescriptor, Events)], milliseconds: Int32) throws(Errno) -> [Events] {
        var fds = descriptors.map { pollfd(fd: $0.0.rawValue, events: $0.1.rawValue, revents: 0) }
        let n = Glibc.poll(&fds, nfds_t(fds.count), milliseconds)
        if n < 0 {
            if errno == EINTR { return descriptors.map { _ in [] } }
            throw Errno.current("poll")
        }
        return fds.map { Events(rawValue: $0.revents) }
    }

    /// Waits at most `milliseconds` for `events` on this descriptor; true when one came.
    public func wait(for events: Events, milliseconds: Int32) -> Bool {
        guard let e = try? Self.poll([(self, events)], milliseconds: milliseconds).first else { return false }
        return !e.isEmpty
    }
}
