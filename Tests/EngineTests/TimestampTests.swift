import Foundation
import Testing
@testable import Engine

@Suite struct TimestampTests {
    /// RFC 3339 text as Foundation writes it, and back to the same millisecond, for
    /// instants from before the epoch to the year 9999. (Foundation's calendar turns Julian
    /// before October 1582; RFC 3339's is proleptic Gregorian, so it is compared after.)
    @Test func writesWhatFoundationWritesAndReadsItBack() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var rng = SplitMix(seed: 8601)
        var samples: [Int64] = [0, -1, 999, 1000, -86_400_000, 951_782_400_000, 253_402_300_799_999, -62_135_596_800_000]
        for _ in 0..<2000 { samples.append(Int64(rng.next() % 253_402_300_800_000)) }
        for _ in 0..<200 { samples.append(-Int64(rng.next() % 62_135_596_800_000)) }
        for ms in samples {
            let t = Timestamp(milliseconds: ms)
            #expect(Timestamp(iso8601: t.iso8601) == t, "\(ms) \(t.iso8601)")
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            guard ms >= -12_219_292_800_000 else { continue }
            #expect(t.iso8601 == formatter.string(from: date), "\(ms)")
        }
    }
}
