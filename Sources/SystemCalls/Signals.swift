#if canImport(Glibc)
import Glibc
#endif

/// The signals the tool handles, sends or ignores, and the calls that install handlers.
public struct Signal: Sendable, Hashable {
    /// The signal's number.
    public let rawValue: Int32
    /// The signal numbered `rawValue`.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `SIGTERM`: stop, finishing what runs.
    public static let terminate = Signal(rawValue: SIGTERM)
    /// `SIGINT`: Ctrl-C.
    public static let interrupt = Signal(rawValue: SIGINT)
    /// `SIGHUP`: the reconciler's wake-up.
    public static let hangUp = Signal(rawValue: SIGHUP)
    /// `SIGPIPE`: a write to a closed pipe or socket.
    public static let pipe = Signal(rawValue: SIGPIPE)
    /// `SIGKILL`: cannot be caught.
    public static let kill = Signal(rawValue: SIGKILL)

    /// A handler: a C function, as `signal(2)` takes (it may only touch atomics).
    public typealias Handler = @convention(c) (Int32) -> Void

    /// Unblocks `signals` for the calling thread (`pthread_sigmask(2)`): a parent may have
    /// started the process with them blocked.
    public static func unblock(_ signals: [Signal]) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s.rawValue) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Runs `handler` when the signal arrives (`signal(2)`).
    public func handle(with handler: Handler) { _ = Glibc.signal(rawValue, handler) }

    /// The signal is ignored (`SIG_IGN`).
    public func ignore() { _ = Glibc.signal(rawValue, SIG_IGN) }

    /// Sends the signal to every process of the group `group` (`kill(-group, signal)`).
    public func send(toGroup group: Int32) { _ = Glibc.kill(-group, rawValue) }
}
