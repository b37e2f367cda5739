import Foundation
import Testing
@testable import Engine
@testable import Policy

@Suite struct TimerScheduleTests {
    /// The system calendar's answer, the way a reader would write it: the oracle.
    static func calendarNext(_ schedule: Schedule, after t: Timestamp, zone: String) -> Timestamp {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let weekdays: [Int: Weekday] = [1: .sun, 2: .mon, 3: .tue, 4: .wed, 5: .thu, 6: .fri, 7: .sat]
        let date = Date(timeIntervalSince1970: Double(t.milliseconds) / 1000)
        let day0 = calendar.startOfDay(for: date)
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: day0),
                  let weekday = weekdays[calendar.component(.weekday, from: day)], schedule.fires(on: weekday),
                  let at = calendar.date(bySettingHour: schedule.at.hour, minute: schedule.at.minute, second: 0, of: day) else { continue }
            let ms = Int64((at.timeIntervalSince1970 * 1000).rounded())
            if ms > t.milliseconds { return Timestamp(milliseconds: ms) }
        }
        return t.adding(seconds: 8 * 86_400)
    }

    /// Random instants over several years, in zones with daylight saving time (also at
    /// half hours and at midnight), without it, and far from UTC: the same answers as the
    /// calendar, across every gap and every repeated hour.
    /// (Lord Howe's half-hour jump is left to the test below: there the calendar answers
    /// with the next day's time, a day that may not be in the schedule.)
    @Test(arguments: ["UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Kathmandu", "Pacific/Kiritimati", "America/St_Johns"])
    func sameAnswersAsTheCalendar(zone: String) {
        let schedule = TimerSchedule(timeZone: zone)!
        var rng = SplitMix(seed: UInt64(zone.utf8.count))
        let times = [TimeOfDay(hour: 0, minute: 0), TimeOfDay(hour: 0, minute: 30), TimeOfDay(hour: 1, minute: 30), TimeOfDay(hour: 2, minute: 0),
                     TimeOfDay(hour: 2, minute: 30), TimeOfDay(hour: 3, minute: 0), TimeOfDay(hour: 23, minute: 59), TimeOfDay(hour: 12, minute: 15)]
        for _ in 0..<3000 {
            let t = Timestamp(milliseconds: 1_600_000_000_000 + Int64(rng.next() % 320_000_000_000))
            let at = times[Int(rng.next() % UInt64(times.count))]
            let s = rng.next() % 3 == 0 ? Schedule(repeats: .daily, at: at, days: [])
                : Schedule(repeats: .weekly, at: at, days: Weekday.allCases.filter { _ in rng.next() % 3 == 0 })
            #expect(schedule.next(s, after: t) == Self.calendarNext(s, after: t, zone: zone), "\(zone) \(t.iso8601) \(s)")
        }
    }

    /// Every day around this zone's transitions, minute by minute near them.
    @Test func transitionsInBerlinAndNewYork() {
        for zone in ["Europe/Berlin", "America/New_York"] {
            let schedule = TimerSchedule(timeZone: zone)!
            let s = Schedule(repeats: .daily, at: TimeOfDay(hour: 2, minute: 30), days: [])
            // 2026-03-06 .. 2026-03-31 and 2026-10-23 .. 2026-11-03, every 17 minutes.
            for (start, end) in [(1_772_755_200, 1_774_915_200), (1_792_713_600, 1_793_664_000)] as [(Int64, Int64)] {
                for seconds in stride(from: start, to: end, by: 17 * 60) {
                    let t = Timestamp(milliseconds: seconds * 1000)
                    #expect(schedule.next(s, after: t) == Self.calendarNext(s, after: t, zone: zone), "\(zone) \(t.iso8601)")
                }
            }
        }
    }

    /// Lord Howe Island moves its clocks by half an hour: on Sunday 2027-10-03 the wall
    /// clock goes from 02:00 to 02:30. A Sunday 02:00 schedule fires at the jump (02:30
    /// local, 15:30 UTC the day before), not on Monday as `Calendar` would have it.
    @Test func aHalfHourJumpFiresAtTheJump() {
        let schedule = TimerSchedule(timeZone: "Australia/Lord_Howe")!
        let s = Schedule(repeats: .weekly, at: TimeOfDay(hour: 2, minute: 0), days: [.sun])
        let t = Timestamp(iso8601: "2027-09-29T07:37:30.380Z")!
        #expect(schedule.next(s, after: t) == Timestamp(iso8601: "2027-10-02T15:30:00.000Z")!)
        // 02:15 is in the gap too; 02:30 exists once.
        #expect(schedule.next(Schedule(repeats: .daily, at: TimeOfDay(hour: 2, minute: 15), days: []), after: t.adding(seconds: 3 * 86_400))
                == Timestamp(iso8601: "2027-10-02T15:30:00.000Z")!)
        #expect(schedule.next(Schedule(repeats: .daily, at: TimeOfDay(hour: 2, minute: 30), days: []), after: t.adding(seconds: 3 * 86_400))
                == Timestamp(iso8601: "2027-10-02T15:30:00.000Z")!)
    }
}
