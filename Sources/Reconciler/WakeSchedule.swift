import Engine

/// When the reconciler's loop next has something to do, from the deadlines of its jobs:
/// the next poll of the branch, the inbox's safety re-scan, the next discovery and the next
/// write of changed metrics on the loop's own monotonic clock; the engine's next due timer or window and the next retry of
/// disabled policies on the engine's clock, which a drill runs `timeScale` times faster.
/// Pure: the loop turns the delay into a sleep, and tests check it with plain times.
struct WakeSchedule: Equatable, Sendable {
    /// The next poll of the branch (`--interval`), on the loop's clock.
    var nextPoll: Timestamp?
    /// The next safety re-scan of the inbox, on the loop's clock.
    var nextRescan: Timestamp?
    /// The next full discovery of the hosts, on the loop's clock.
    var nextDiscovery: Timestamp?
    /// When metrics that changed may be written (at most once a second), on the loop's clock.
    var nextMetrics: Timestamp?
    /// The engine's next deadline (a timer, a hold's `for`, a `timer.at` occurrence), on the engine's clock.
    var nextDue: Timestamp?
    /// The next dry-run of the disabled policies, on the engine's clock.
    var nextRetry: Timestamp?
    /// Engine seconds per real second (1, or a drill's `--time-scale`).
    var timeScale: Double = 1

    /// The shortest sleep between two passes that a deadline asks for, in milliseconds: a
    /// deadline the engine reports as passed but does not act on (it should not happen)
    /// costs a pass every 10 ms, as the polled loop did, never a spin.
    static let minimumMilliseconds: Int64 = 10

    /// Real milliseconds to sleep, at `loopNow` on the loop's clock and `engineNow` on the
    /// engine's; nil when nothing is ever due (only a wake-up will do).
    func delay(loopNow: Timestamp, engineNow: Timestamp) -> Int64? {
        var best: Int64?
        func consider(_ ms: Int64) { best = min(best ?? ms, ms) }
        for t in [nextPoll, nextRescan, nextDiscovery, nextMetrics].compactMap({ $0 }) {
            consider(t.milliseconds - loopNow.milliseconds)
        }
        for t in [nextDue, nextRetry].compactMap({ $0 }) {
            let engineMilliseconds = t.milliseconds - engineNow.milliseconds
            consider(engineMilliseconds <= 0 ? 0 : Int64((Double(engineMilliseconds) / max(timeScale, 1)).rounded(.up)))
        }
        return best.map { max($0, Self.minimumMilliseconds) }
    }
}
