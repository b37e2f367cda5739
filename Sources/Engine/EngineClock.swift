import Synchronization
import SystemCalls

/// Where the engine reads the time: injected, so tests run it on a manual clock.
public protocol EngineClock: Sendable {
    /// The current time.
    func now() -> Timestamp

    /// Tells the clock the latest time already recorded (a restart): a clock that can, such
    /// as `SteadyClock`, never reads earlier than it from then on.
    func resume(notBefore floor: Timestamp)
}

extension EngineClock {
    /// Clocks that are simply read (the system's, a manual one) ignore it.
    public func resume(notBefore floor: Timestamp) {}
}

/// The system's real-time clock.
public struct SystemClock: EngineClock {
    /// The system clock.
    public init() {}

    public func now() -> Timestamp { Timestamp(milliseconds: Clocks.realtimeMilliseconds()) }
}

/// A clock that moves only when told to.
public final class ManualClock: EngineClock {
    private let current: Mutex<Timestamp>

    /// A clock at `start`.
    public init(_ start: Timestamp = Timestamp(seconds: 1_767_225_600)) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }

    /// Moves the clock forward.
    public func advance(milliseconds: Int64) { current.withLock { $0 = $0.adding(milliseconds: milliseconds) } }

    /// Sets the clock.
    public func set(_ t: Timestamp) { current.withLock { $0 = t } }
}

/// The monotonic clock (`CLOCK_MONOTONIC`): it never steps, whatever is done to the wall
/// clock, and counts from an arbitrary start, so only differences of its readings mean
/// anything. For intervals of the reconciler's own loop (polls, passes, discovery).
public struct MonotonicClock: EngineClock {
    /// The monotonic clock.
    public init() {}

    /// Milliseconds since an arbitrary start (the boot, on Linux).
    public static func milliseconds() -> Int64 { Clocks.monotonicMilliseconds() }

    public func now() -> Timestamp { Timestamp(milliseconds: Self.milliseconds()) }
}

/// The reconciler's clock. It reads the wall clock once, at start, and from then on counts
/// on the monotonic clock, so a wall clock set back (or forward) during a run moves no
/// window, no `for` and no timer; NTP's slewing, which the monotonic clock follows, does.
/// On a restart the reconciler calls `resume(notBefore:)` with the latest time its state
/// recorded: a wall clock that went back while it was stopped never makes a time earlier
/// than one already in the ledger, so no window is measured from a negative age.
///
/// `scale` runs it that many times faster than real time (`reconcile --time-scale`, for
/// drills: a two-minute timer takes two seconds at 60).
public final class SteadyClock: EngineClock {
    let monotonic: @Sendable () -> Int64
    /// How many times faster than real time it runs (1: real time).
    public let scale: Double
    /// The time at the monotonic reading `monotonic`.
    private let anchor: Mutex<(time: Timestamp, monotonic: Int64)>

    /// A clock that starts at `wall`'s time now; `monotonic` gives milliseconds that never
    /// step (both injectable, so tests can step the wall clock and hold the other).
    public init(scale: Double = 1, wall: any EngineClock = SystemClock(),
                monotonic: @escaping @Sendable () -> Int64 = MonotonicClock.milliseconds) {
        self.monotonic = monotonic
        self.scale = scale
        anchor = Mutex((wall.now(), monotonic()))
    }

    public func now() -> Timestamp {
        let m = monotonic()
        return anchor.withLock { a in a.time.adding(milliseconds: Int64((Double(m - a.monotonic) * scale).rounded(.down))) }
    }

    /// Moves the clock on to `floor` when it is behind it; never moves it back.
    public func resume(notBefore floor: Timestamp) {
        let m = monotonic()
        anchor.withLock { a in
            let current = a.time.adding(milliseconds: Int64((Double(m - a.monotonic) * scale).rounded(.down)))
            if current < floor { a = (floor, m) }
        }
    }
}
