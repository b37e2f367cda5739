/// A day of the week as schedules write it: `mon` ... `sun`.
public enum Weekday: String, Sendable, Hashable, CaseIterable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// Monday is 0, Sunday 6.
    public var index: Int { Weekday.allCases.firstIndex(of: self)! }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.index < b.index }

    /// The full English name.
    public var name: String {
        switch self {
        case .mon: return "Monday"
        case .tue: return "Tuesday"
        case .wed: return "Wednesday"
        case .thu: return "Thursday"
        case .fri: return "Friday"
        case .sat: return "Saturday"
        case .sun: return "Sunday"
        }
    }
}

/// A time of day, `HH:MM` from 00:00 to 23:59.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 0–23.
    public var hour: Int
    /// 0–59.
    public var minute: Int

    /// Creates a time of day.
    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses exactly two digits, a colon and two digits.
    public static func parse(_ text: String) -> TimeOfDay? {
        let b = Array(text.utf8)
        func digit(_ c: UInt8) -> Int? { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c - UInt8(ascii: "0")) : nil }
        guard b.count == 5, b[2] == UInt8(ascii: ":"),
              let h1 = digit(b[0]), let h2 = digit(b[1]), let m1 = digit(b[3]), let m2 = digit(b[4]) else { return nil }
        let hour = h1 * 10 + h2, minute = m1 * 10 + m2
        guard hour < 24, minute < 60 else { return nil }
        return TimeOfDay(hour: hour, minute: minute)
    }

    /// Minutes since midnight.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutesSinceMidnight < b.minutesSinceMidnight }

    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }
}

/// When a `timer.at` trigger fires: daily at a time, or weekly on some days at a time, in the
/// reconciler's configured time zone.
public struct Schedule: Sendable, Hashable {
    /// How the schedule repeats.
    public enum Repeat: String, Sendable, Hashable, CaseIterable {
        case daily, weekly
    }

    /// Daily or weekly.
    public var repeats: Repeat
    /// The time of day.
    public var at: TimeOfDay
    /// The days, in week order; empty for daily schedules.
    public var days: [Weekday]

    /// Creates a schedule; days are kept in week order.
    public init(repeats: Repeat, at: TimeOfDay, days: [Weekday]) {
        self.repeats = repeats
        self.at = at
        self.days = days.sorted()
    }

    /// True when the schedule fires on the weekday at all.
    public func fires(on day: Weekday) -> Bool {
        repeats == .daily || days.contains(day)
    }
}
