/// How long something took, each time it happened, as a Prometheus histogram: cumulative
/// buckets by upper bound (`le`), their sum and their count, since the reconciler started.
struct DurationHistogram: Equatable {
    /// Upper bounds in seconds, as written in `le`: from a compile of a few files to a
    /// shutdown that waits a minute for a guest.
    static let bounds: [(seconds: Double, label: String)] = [
        (0.005, "0.005"), (0.01, "0.01"), (0.025, "0.025"), (0.05, "0.05"), (0.1, "0.1"), (0.25, "0.25"), (0.5, "0.5"),
        (1, "1"), (2.5, "2.5"), (5, "5"), (10, "10"), (30, "30"), (60, "60"), (120, "120"), (300, "300"),
    ]

    /// Observations at or below each bound (not yet cumulative).
    private var perBucket = [Int](repeating: 0, count: DurationHistogram.bounds.count)
    private(set) var count = 0
    private(set) var sum = 0.0

    /// Counts one duration.
    mutating func observe(_ seconds: Double) {
        let s = max(0, seconds)
        count += 1
        sum += s
        if let i = Self.bounds.firstIndex(where: { s <= $0.seconds }) { perBucket[i] += 1 }
    }

    /// Counts the time since `start`.
    mutating func observe(since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        observe(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// The exposition lines of `name`: HELP, TYPE, a `_bucket` per bound and `+Inf`, `_sum`, `_count`.
    func lines(_ name: String, help: String) -> [String] {
        var out = ["# HELP \(name) \(help)", "# TYPE \(name) histogram"]
        var cumulative = 0
        for (i, bound) in Self.bounds.enumerated() {
            cumulative += perBucket[i]
            out.append("\(name)_bucket{le=\"\(bound.label)\"} \(cumulative)")
        }
        out.append("\(name)_bucket{le=\"+Inf\"} \(count)")
        out.append("\(name)_sum \(sum)")
        out.append("\(name)_count \(count)")
        return out
    }
}
