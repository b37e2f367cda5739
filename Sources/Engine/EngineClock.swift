#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where the engine reads the time: injected, so tests run it on a manual clock.
public protocol EngineClock: Sendable {
    /// The current time.
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: EngineClock {
    /// The system clock.
    public init() {}

    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
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

/// Real time sped up by a factor from a starting moment: for drills and demos, where a
/// two-minute timer should take two seconds. `reconcile --time-scale`.
public struct ScaledClock: EngineClock {
    let base: SystemClock
    let start: Timestamp
    let scale: Double

    /// A clock running `scale` times faster than real time from now on.
    public init(scale: Double, base: SystemClock = SystemClock()) {
        self.base = base
        self.start = base.now()
        self.scale = scale
    }

    public func now() -> Timestamp {
        let real = base.now()
        return Timestamp(milliseconds: start.milliseconds + Int64(Double(real.milliseconds - start.milliseconds) * scale))
    }
}
