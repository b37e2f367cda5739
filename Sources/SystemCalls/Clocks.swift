#if canImport(Glibc)
import Glibc
#endif

/// The system's clocks, read as milliseconds (`clock_gettime(2)`).
public enum Clocks {
    /// Milliseconds since the Unix epoch on the wall clock (`CLOCK_REALTIME`), which may step.
    public static func realtimeMilliseconds() -> Int64 { read(CLOCK_REALTIME) }

    /// Milliseconds since an arbitrary start (the boot) on `CLOCK_MONOTONIC`, which never steps.
    public static func monotonicMilliseconds() -> Int64 { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> Int64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}
