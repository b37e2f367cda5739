/// A moment, in milliseconds since 1970-01-01T00:00:00Z.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the epoch.
    public var milliseconds: Int64

    /// A timestamp.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// A timestamp in seconds.
    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// This moment plus `seconds`.
    public func adding(seconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + seconds * 1000) }

    /// This moment plus `milliseconds`.
    public func adding(milliseconds ms: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + ms) }

    /// Seconds from `earlier` to this moment.
    public func seconds(since earlier: Timestamp) -> Double { Double(milliseconds - earlier.milliseconds) / 1000 }

    /// RFC 3339 in UTC with milliseconds: `2026-11-29T02:30:00.000Z`.
    public var description: String { iso8601 }

    /// RFC 3339 in UTC with milliseconds.
    public var iso8601: String {
        let ms = ((milliseconds % 1000) + 1000) % 1000
        let secondsTotal = (milliseconds - ms) / 1000
        let days = Int64((Double(secondsTotal) / 86_400).rounded(.down))
        let secondOfDay = secondsTotal - days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        if (0...9999).contains(y) {
            // The common case, written straight into the string's storage.
            let fields: [(Int64, Int)] = [(y, 4), (m, 2), (d, 2), (secondOfDay / 3600, 2), (secondOfDay % 3600 / 60, 2), (secondOfDay % 60, 2), (ms, 3)]
            let separators: [UInt8] = Array("--T::.Z".utf8)
            return String(unsafeUninitializedCapacity: 24) { buffer in
                var i = 0
                for (n, (value, width)) in fields.enumerated() {
                    var v = value
                    for k in stride(from: width - 1, through: 0, by: -1) {
                        buffer[i + k] = UInt8(ascii: "0") + UInt8(v % 10)
                        v /= 10
                    }
                    i += width
                    buffer[i] = separators[n]
                    i += 1
                }
                return i
            }
        }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : String(ms)
        return "\(y)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)).\(msText)Z"
    }

    /// Parses RFC 3339 (`Z` or a numeric offset, optional fraction).
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int64? {
            guard r.upperBound <= b.count else { return nil }
            var v: Int64 = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A,
              let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16), let s = num(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var ms: Int64 = 0
        if b[i] == 0x2E {
            i += 1
            var scale: Int64 = 100
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                ms += Int64(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        var offset: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D, let oh = num((i + 1)..<(i + 3)), i + 3 < b.count, b[i + 3] == 0x3A, let om = num((i + 4)..<(i + 6)) {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.days(fromCivil: y, mo, d)
        milliseconds = ((days * 86_400 + h * 3600 + mi * 60 + s) - offset) * 1000 + ms
    }

    // Howard Hinnant's civil-from-days algorithms.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
