import Foundation
import Policy

/// When `timer.at` schedules fire, in the repository's time zone (daylight saving time
/// included: a time that does not exist that day moves forward, as the system's calendar
/// moves it).
public struct TimerSchedule: Sendable {
    let calendar: Calendar

    /// A schedule in the IANA time zone `identifier`; nil when the system does not know it.
    public init?(timeZone identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    static let weekdays: [Int: Weekday] = [1: .sun, 2: .mon, 3: .tue, 4: .wed, 5: .thu, 6: .fri, 7: .sat]

    /// The first moment after `t` the schedule fires.
    public func next(_ schedule: Schedule, after t: Timestamp) -> Timestamp {
        let date = Date(timeIntervalSince1970: Double(t.milliseconds) / 1000)
        let day0 = calendar.startOfDay(for: date)
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: day0),
                  let weekday = Self.weekdays[calendar.component(.weekday, from: day)], schedule.fires(on: weekday),
                  let at = calendar.date(bySettingHour: schedule.at.hour, minute: schedule.at.minute, second: 0, of: day) else { continue }
            let ms = Int64((at.timeIntervalSince1970 * 1000).rounded())
            if ms > t.milliseconds { return Timestamp(milliseconds: ms) }
        }
        return t.adding(seconds: 8 * 86_400)
    }
}
