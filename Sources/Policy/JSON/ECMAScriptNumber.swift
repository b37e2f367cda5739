/// Numbers written as ECMAScript's Number.prototype.toString writes them, which is what
/// RFC 8785 section 3.2.2.3 requires: the shortest digits that round-trip, in plain
/// notation for exponents from -7 to 20 and in `d.ddde±x` notation outside.
public enum ECMAScriptNumber {
    /// The ECMAScript text of a finite double.
    public static func format(_ value: Double) -> String {
        precondition(value.isFinite, "JSON has no NaN or Infinity")
        if value == 0 { return "0" }  // also -0
        let negative = value < 0
        let (digits, exponent) = shortestDigits(abs(value))
        // The value is 0.d1d2d3... × 10^exponent; ECMAScript's n is `exponent`, k the count.
        let k = digits.count
        let n = exponent
        var out = negative ? "-" : ""
        if k <= n && n <= 21 {
            out += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let i = digits.index(digits.startIndex, offsetBy: n)
            out += digits[..<i] + "." + digits[i...]
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            if k == 1 {
                out += digits + "e" + sign + String(abs(e))
            } else {
                out += digits.prefix(1) + "." + digits.dropFirst() + "e" + sign + String(abs(e))
            }
        }
        return out
    }

    /// The shortest round-tripping decimal digits of a positive finite double and the
    /// exponent n such that the value is 0.digits × 10^n. Swift's own description already
    /// prints the shortest round-tripping digits; this reads them back out of it.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description  // e.g. "1.5", "1e-07", "1.7976931348623157e+308", "100.0"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + String(fractionPart)
        var n = integerPart.count + exponent
        // Strip leading zeros ("0.001" → "0001"), each moving the point.
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        return (digits, n)
    }
}
