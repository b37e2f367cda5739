import Engine

/// When the disabled policies are dry-run again (`--retry`), on the engine's clock: a round
/// every interval while some are disabled, and in a round only those not dry-run within the
/// interval already (on apply, maybe in this very pass), so a policy is never dry-run twice
/// in a row for nothing.
struct RetrySchedule: Equatable, Sendable {
    /// Seconds between rounds.
    let interval: Double
    /// When the last round ran.
    private(set) var lastRound: Timestamp?
    /// When each policy was last dry-run, on apply or in a round.
    private(set) var lastDryRun: [String: Timestamp] = [:]

    init(interval: Double) { self.interval = interval }

    /// The policies of `disabled` to dry-run in a round at `now`, sorted, and the round
    /// marked as run; nil when the last round is less than an interval ago (nothing marked).
    mutating func round(disabled: some Collection<String>, at now: Timestamp) -> [String]? {
        guard !disabled.isEmpty else { return nil }
        if let last = lastRound, now.seconds(since: last) < interval { return nil }
        lastRound = now
        return disabled.sorted().filter { id in lastDryRun[id].map { now.seconds(since: $0) >= interval } ?? true }
    }

    /// When the next round is due while policies are disabled: an interval after the last
    /// one, or now when none ran yet.
    func nextRound(now: Timestamp) -> Timestamp {
        lastRound.map { $0.adding(milliseconds: Int64(interval * 1000)) } ?? now
    }

    /// Notes that `policies` were dry-run at `now`.
    mutating func dryRan(_ policies: some Sequence<String>, at now: Timestamp) {
        for id in policies { lastDryRun[id] = now }
    }

    /// Forgets the policies no longer in the applied set.
    mutating func keep(where isKept: (String) -> Bool) {
        lastDryRun = lastDryRun.filter { isKept($0.key) }
    }
}
