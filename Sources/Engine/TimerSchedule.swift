import Foundation
import Policy

/// When `timer.at` schedules fire, in the repository's time zone, daylight saving time
/// included, with the system calendar's rules: a time that does not exist that day (the
/// clocks jumped over it) fires at the instant of the jump; a time that exists twice (the
/// clocks went back) fires at the first.
///
/// It works on the zone's UTC offsets directly rather than through `Calendar`, which is
/// two orders of magnitude slower; the tests hold it to `Calendar`'s answers.
public struct TimerSchedule: Sendable {
    let zone: TimeZone

    /// A schedule in the IANA time zone `identifier`; nil when the system does not know it.
    public init?(timeZone identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
    }

    /// Monday first, as `Weekday.allCases`; day 0 of the Unix epoch was a Thursday.
    static func weekday(ofLocalDay day: Int64) -> Weekday {
        Weekday.allCases[Int(((day + 3) % 7 + 7) % 7)]
    }

    /// The first moment after `t` the schedule fires.
    public func next(_ schedule: Schedule, after t: Timestamp) -> Timestamp {
        let seconds = floorDivide(t.milliseconds, 1000)
        let today = floorDivide(seconds + offset(at: seconds), 86_400)
        for day in today...(today + 8) where schedule.fires(on: Self.weekday(ofLocalDay: day)) {
            let local = day * 86_400 + Int64(schedule.at.hour * 3600 + schedule.at.minute * 60)
            let instant = self.instant(ofLocal: local)
            if instant * 1000 > t.milliseconds { return Timestamp(milliseconds: instant * 1000) }
        }
        return t.adding(seconds: 8 * 86_400)
    }

    /// The UTC offset in seconds at a Unix time.
    func offset(at seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// The instant a local wall-clock time (seconds since the epoch, as if it were UTC)
    /// names: the first when it names two, the end of the gap when it names none.
    func instant(ofLocal local: Int64) -> Int64 {
        // The offsets a day either side cover any instant the local time can name.
        let before = offset(at: local - 86_400), after = offset(at: local + 86_400)
        let candidates = [local - before, local - after].filter { $0 + offset(at: $0) == local }
        if let first = candidates.min() { return first }
        // In a gap: the first instant with the later offset (the jump itself).
        var low = min(local - before, local - after), high = max(local - before, local - after)
        let lowOffset = offset(at: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == lowOffset { low = middle } else { high = middle }
        }
        return high
    }

    func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
