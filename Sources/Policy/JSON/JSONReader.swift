/// Limits that keep hostile input from exhausting the process.
public struct JSONReadLimits: Sendable, Hashable {
    /// The largest file read, in bytes (1 MiB by default; a policy is usually under 2 KiB).
    public var maxBytes: Int
    /// The deepest nesting of arrays and objects (64 by default; a policy needs 6).
    public var maxDepth: Int
    /// The longest number literal, in characters.
    public var maxNumberLength: Int

    /// The limits POLICY.md documents.
    public static let `default` = JSONReadLimits(maxBytes: 1 << 20, maxDepth: 64, maxNumberLength: 100)

    /// Creates limits.
    public init(maxBytes: Int, maxDepth: Int, maxNumberLength: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNumberLength = maxNumberLength
    }
}

/// Something the reader found, at a byte offset.
public struct JSONReadIssue: Sendable, Hashable {
    /// The diagnostic code.
    public var code: DiagnosticCode
    /// Byte offset in the file.
    public var offset: Int
    /// What is wrong and what would be right.
    public var message: String
    /// The JSON pointer of the value (or the container) where the problem is.
    public var pointer: String = ""
}

/// What reading a file gave: the value (nil after a fatal problem) and every issue found.
public struct JSONReadResult: Sendable {
    /// The document, or nil when the file could not be read as JSON.
    public var value: JSONValue?
    /// Problems found, in file order. Recoverable ones (a duplicate key, a comment, a
    /// trailing comma, ...) come with a value; fatal ones end reading.
    public var issues: [JSONReadIssue]
}

/// A strict JSON (RFC 8259) reader that keeps the offset of every value and reports
/// everything that is not plain JSON as a diagnostic, never crashing, hanging or recursing
/// deeper than `JSONReadLimits.maxDepth`.
///
/// Kept as one file of about 700 lines on purpose: it is one scanner over one byte buffer
/// whose parts (values, strings and their escapes, numbers, the iterative nesting stack,
/// recovery after an error) share its position, depth and issue budget, and read best top to
/// bottom in the order of RFC 8259's grammar.
public enum JSONReader {
    /// Reads one JSON document.
    public static func read(_ bytes: [UInt8], limits: JSONReadLimits = .default) -> JSONReadResult {
        if bytes.count > limits.maxBytes {
            return JSONReadResult(value: nil, issues: [JSONReadIssue(
                code: .fileTooLarge, offset: 0,
                message: "file is larger than \(limits.maxBytes.grouped) bytes, the limit; split it or remove what it does not need")])
        }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, limits: limits)
            let value = parser.parseDocument()
            var issues = parser.issues.sorted { $0.offset < $1.offset }
            if parser.suppressed > 0 {
                issues.append(JSONReadIssue(code: .tooManyProblems, offset: issues.last?.offset ?? 0,
                                            message: "\(parser.suppressed.grouped) more problems of this kind are not shown; fix the ones above and validate again"))
            }
            return JSONReadResult(value: value, issues: issues)
        }
    }
}

private struct FatalReadError: Error {}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: JSONReadLimits
    var pos = 0
    var issues: [JSONReadIssue] = []
    var suppressed = 0
    var suppressedSeverity = Severity.info
    /// Where the reader is in the document, for the pointers of issues.
    var path: [PathComponent] = []

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONReadLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() -> JSONValue? {
        if let encoding = detectWideEncoding() {
            report(.unsupportedEncoding, at: 0, "file is encoded as \(encoding); policy files must be UTF-8")
            return nil
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            report(.byteOrderMark, at: 0, "file starts with a UTF-8 byte-order mark; it is accepted, but save the file as UTF-8 without BOM")
            pos = 3
        }
        do {
            try skipWhitespace()
            if pos == bytes.count {
                report(.emptyFile, at: 0, "file is empty; a policy file holds one JSON object")
                return nil
            }
            let value = try parseValue(depth: 0)
            try skipWhitespace()
            if pos < bytes.count {
                fail(.trailingContent, at: pos,
                     "unexpected \(describe(at: pos)) after the end of the JSON value; a file holds exactly one value")
                return nil
            }
            return value
        } catch {
            return nil
        }
    }

    // MARK: values

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard pos < bytes.count else { throw end("expected a value") }
        let start = pos
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return JSONValue(.string(try parseString()), offset: start)
        case UInt8(ascii: "t"): try literal("true"); return JSONValue(.bool(true), offset: start)
        case UInt8(ascii: "f"): try literal("false"); return JSONValue(.bool(false), offset: start)
        case UInt8(ascii: "n"): try literal("null"); return JSONValue(.null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            if matches("NaN") || matches("Infinity") {
                let word = matches("NaN") ? "NaN" : "Infinity"
                report(.nonFiniteNumber, at: start, "\(word) is not a JSON number; write a finite number")
                pos += word.utf8.count
                return JSONValue(.invalid, offset: start)
            }
            throw unexpected("expected a value")
        case UInt8(ascii: "'"):
            fail(.invalidSyntax, at: pos, "strings are written in double quotes (\"...\"), not single quotes")
            throw FatalReadError()
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            fail(.invalidSyntax, at: pos, "JSON's literals are lower case: true, false, null")
            throw FatalReadError()
        default:
            throw unexpected("expected a value (object, array, string, number, true, false or null)")
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        let start = pos
        try checkDepth(depth)
        pos += 1
        var members: [JSONMember] = []
        var seen: Set<String>? = nil
        try skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return JSONValue(.object(members), offset: start)
        }
        while true {
            try skipWhitespace()
            guard pos < bytes.count else { throw end("expected a key in double quotes or '}'") }
            guard bytes[pos] == UInt8(ascii: "\"") else {
                if isIdentifierStart(bytes[pos]) {
                    fail(.invalidSyntax, at: pos, "object keys are strings in double quotes: write \"\(word(at: pos))\"")
                    throw FatalReadError()
                }
                throw unexpected("expected a key in double quotes")
            }
            let keyOffset = pos
            let key = try parseString()
            try skipWhitespace()
            guard pos < bytes.count else { throw end("expected ':' after the key \"\(key)\"") }
            guard bytes[pos] == UInt8(ascii: ":") else { throw unexpected("expected ':' after the key \"\(key)\"") }
            pos += 1
            try skipWhitespace()
            path.append(.key(key))
            let value = try parseValue(depth: depth)
            if let first = firstOccurrence(of: key, in: members, seen: &seen) {
                report(.duplicateKey, at: keyOffset, "duplicate key \"\(key)\" (first at line \(line(of: first.keyOffset))); an object names each key once")
            } else {
                members.append(JSONMember(key: key, keyOffset: keyOffset, value: value))
            }
            path.removeLast()
            try skipWhitespace()
            guard pos < bytes.count else { throw end("expected ',' or '}' to continue the object") }
            switch bytes[pos] {
            case UInt8(ascii: ","):
                let comma = pos
                pos += 1
                try skipWhitespace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
                    report(.trailingComma, at: comma, "trailing comma before '}'; remove it")
                    pos += 1
                    return JSONValue(.object(members), offset: start)
                }
            case UInt8(ascii: "}"):
                pos += 1
                return JSONValue(.object(members), offset: start)
            case UInt8(ascii: "\""):
                throw unexpected("expected ',' between members")
            default:
                throw unexpected("expected ',' or '}' to continue the object")
            }
        }
    }

    /// The earlier member named `key`, if any. Small objects are scanned; large ones use a
    /// set so a hostile object with many keys stays linear.
    func firstOccurrence(of key: String, in members: [JSONMember], seen: inout Set<String>?) -> JSONMember? {
        if members.count < 16 {
            return members.first { $0.key == key }
        }
        if seen == nil { seen = Set(members.map(\.key)) }
        if seen!.insert(key).inserted { return nil }
        return members.first { $0.key == key }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        let start = pos
        try checkDepth(depth)
        pos += 1
        var elements: [JSONValue] = []
        try skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return JSONValue(.array(elements), offset: start)
        }
        while true {
            try skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue(depth: depth))
            path.removeLast()
            try skipWhitespace()
            guard pos < bytes.count else { throw end("expected ',' or ']' to continue the array") }
            switch bytes[pos] {
            case UInt8(ascii: ","):
                let comma = pos
                pos += 1
                try skipWhitespace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
                    report(.trailingComma, at: comma, "trailing comma before ']'; remove it")
                    pos += 1
                    return JSONValue(.array(elements), offset: start)
                }
            case UInt8(ascii: "]"):
                pos += 1
                return JSONValue(.array(elements), offset: start)
            default:
                throw unexpected("expected ',' or ']' to continue the array")
            }
        }
    }

    mutating func checkDepth(_ depth: Int) throws {
        if depth > limits.maxDepth {
            fail(.nestingTooDeep, at: pos, "arrays and objects nest deeper than \(limits.maxDepth) levels, the limit")
            throw FatalReadError()
        }
    }

    // MARK: strings

    mutating func parseString() throws -> String {
        let open = pos
        pos += 1
        let contentStart = pos
        // Fast path: plain ASCII without escapes.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break }
            pos += 1
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]))
        while true {
            guard pos < bytes.count else { throw end("the string that starts here was never closed", at: open) }
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                fail(.invalidString, at: pos,
                     "the string that starts at line \(line(of: open)) is not closed before the end of the line: add its closing \" (a JSON string cannot hold a raw line break; write \\n inside one)")
                throw FatalReadError()
            case 0..<0x20:
                fail(.invalidString, at: pos,
                     "raw control character \(scalarName(UInt32(b))) in a string; write it as an escape such as \\t or \\u00\(hexByte(b))")
                throw FatalReadError()
            case 0x80...:
                let length = try utf8SequenceLength(at: pos)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pos..<pos + length]))
                pos += length
            default:
                out.append(b)
                pos += 1
            }
        }
    }

    mutating func parseEscape(into out: inout [UInt8]) throws {
        let escapeStart = pos
        pos += 1
        guard pos < bytes.count else { throw end("the escape sequence was never finished", at: escapeStart) }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4(escapeStart: escapeStart)
            var scalar: UInt32 = unit
            if (0xD800...0xDBFF).contains(unit) {
                if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    let save = pos
                    pos += 2
                    let low = try hex4(escapeStart: save)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save
                        loneSurrogate(unit, at: escapeStart)
                        scalar = 0xFFFD
                    }
                } else {
                    loneSurrogate(unit, at: escapeStart)
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                loneSurrogate(unit, at: escapeStart)
                scalar = 0xFFFD
            }
            appendUTF8(scalar, to: &out)
        default:
            fail(.invalidString, at: escapeStart,
                 "invalid escape \\\(printable(c)); JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")
            throw FatalReadError()
        }
    }

    mutating func loneSurrogate(_ unit: UInt32, at offset: Int) {
        report(.loneSurrogate, at: offset, "\\u\(hex4String(unit)) is half of a UTF-16 surrogate pair without its other half; write the character itself or a complete pair")
    }

    mutating func hex4(escapeStart: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw end("\\u needs four hex digits", at: escapeStart) }
            let c = bytes[pos]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default:
                fail(.invalidString, at: escapeStart, "\\u needs four hex digits, such as \\u00e9")
                throw FatalReadError()
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence at `i`, or a fatal PO1009.
    mutating func utf8SequenceLength(at i: Int) throws -> Int {
        let b0 = bytes[i]
        func cont(_ j: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            j < bytes.count && range.contains(bytes[j])
        }
        let length: Int
        switch b0 {
        case 0xC2...0xDF: length = cont(i + 1) ? 2 : 0
        case 0xE0: length = cont(i + 1, 0xA0...0xBF) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: length = cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: length = cont(i + 1, 0x80...0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0: length = cont(i + 1, 0x90...0xBF) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3: length = cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: length = cont(i + 1, 0x80...0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: length = 0
        }
        if length == 0 {
            fail(.invalidUTF8, at: i, "invalid UTF-8 byte 0x\(hexByte(b0)); save the file as UTF-8")
            throw FatalReadError()
        }
        return length
    }

    // MARK: numbers

    mutating func parseNumber() throws -> JSONValue {
        let start = pos
        var sawPlus = false
        if bytes[pos] == UInt8(ascii: "+") {
            sawPlus = true
            pos += 1
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-"), matches("Infinity", at: pos + 1) {
            report(.nonFiniteNumber, at: start, "-Infinity is not a JSON number; write a finite number")
            pos += 9
            return JSONValue(.invalid, offset: start)
        }
        if sawPlus, matches("Infinity") {
            report(.nonFiniteNumber, at: start, "+Infinity is not a JSON number; write a finite number")
            pos += 8
            return JSONValue(.invalid, offset: start)
        }
        let literalStart = pos
        while pos < bytes.count, isNumberByte(bytes[pos]) { pos += 1 }
        let literalBytes = UnsafeBufferPointer(rebasing: bytes[literalStart..<pos])
        let literal = String(decoding: literalBytes, as: UTF8.self)
        if literal.isEmpty {
            pos = start
            throw unexpected("expected a number")
        }
        if literalBytes.count > limits.maxNumberLength {
            report(.numberOutOfRange, at: start, "number literal of \(literalBytes.count) characters; the limit is \(limits.maxNumberLength)")
            return JSONValue(.invalid, offset: start)
        }
        switch Self.checkGrammar(literalBytes) {
        case .failure(let error):
            report(.invalidNumber, at: start, "malformed number \(literal): \(error.reason)")
            return JSONValue(.invalid, offset: start)
        case .success(let isInteger):
            if sawPlus {
                report(.invalidNumber, at: start, "a JSON number does not start with '+'; write \(literal)")
            }
            let number = JSONNumber(literal: literal, isInteger: isInteger)
            if number.double == nil {
                report(.numberOutOfRange, at: start, "number \(literal) does not fit a 64-bit floating-point value")
                return JSONValue(.invalid, offset: start)
            }
            return JSONValue(.number(number), offset: start)
        }
    }

    func isNumberByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
             UInt8(ascii: "+"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// RFC 8259's number grammar; success carries whether the literal is an integer.
    static func checkGrammar(_ s: UnsafeBufferPointer<UInt8>) -> Result<Bool, GrammarError> {
        var i = 0
        func digit(_ j: Int) -> Bool { j < s.count && s[j] >= UInt8(ascii: "0") && s[j] <= UInt8(ascii: "9") }
        if i < s.count, s[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else {
            if i < s.count, s[i] == UInt8(ascii: ".") { return .failure(GrammarError("a digit must come before the decimal point (0.5, not .5)")) }
            return .failure(GrammarError("expected a digit"))
        }
        if s[i] == UInt8(ascii: "0"), digit(i + 1) {
            return .failure(GrammarError("numbers do not start with 0 unless they are 0 (write 12, not 012)"))
        }
        while digit(i) { i += 1 }
        var isInteger = true
        if i < s.count, s[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard digit(i) else { return .failure(GrammarError("digits must follow the decimal point (1.0, not 1.)")) }
            while digit(i) { i += 1 }
        }
        if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return .failure(GrammarError("the exponent needs digits (1e5)")) }
            while digit(i) { i += 1 }
        }
        guard i == s.count else { return .failure(GrammarError("unexpected '\(Character(Unicode.Scalar(s[i])))'")) }
        return .success(isInteger)
    }

    struct GrammarError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    // MARK: whitespace, comments, literals

    mutating func skipWhitespace() throws {
        while pos < bytes.count {
            switch bytes[pos] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                pos += 1
            case UInt8(ascii: "/") where pos + 1 < bytes.count
                && (bytes[pos + 1] == UInt8(ascii: "/") || bytes[pos + 1] == UInt8(ascii: "*")):
                try skipComment()
            default:
                return
            }
        }
    }

    mutating func skipComment() throws {
        let start = pos
        report(.comment, at: start, "comments are not JSON; move the text into the \"notes\" field")
        if bytes[pos + 1] == UInt8(ascii: "/") {
            while pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
            return
        }
        pos += 2
        while pos + 1 < bytes.count {
            if bytes[pos] == UInt8(ascii: "*"), bytes[pos + 1] == UInt8(ascii: "/") {
                pos += 2
                return
            }
            pos += 1
        }
        pos = bytes.count
        throw end("the comment that starts here was never closed", at: start)
    }

    mutating func literal(_ word: String) throws {
        if matches(word), !(pos + word.utf8.count < bytes.count && isIdentifierByte(bytes[pos + word.utf8.count])) {
            pos += word.utf8.count
            return
        }
        fail(.invalidSyntax, at: pos, "unexpected word \"\(self.word(at: pos))\"; expected a value (true, false, null, a string in double quotes, ...)")
        throw FatalReadError()
    }

    func matches(_ word: String, at offset: Int? = nil) -> Bool {
        let at = offset ?? pos
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count else { return false }
        for (i, c) in w.enumerated() where bytes[at + i] != c { return false }
        return true
    }

    func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$")
    }

    func isIdentifierByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    func word(at offset: Int) -> String {
        var end = offset
        while end < bytes.count, end - offset < 40, isIdentifierByte(bytes[end]) { end += 1 }
        if end == offset { return describe(at: offset) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
    }

    // MARK: reporting

    mutating func fail(_ code: DiagnosticCode, at offset: Int, _ message: String) {
        report(code, at: offset, message)
    }

    /// The most issues one file reports; the rest are counted in one PO1018.
    static let maxIssues = 200

    /// Records an issue with the JSON pointer of where the reader is.
    mutating func report(_ code: DiagnosticCode, at offset: Int, _ message: String, pointer: String? = nil) {
        if issues.count >= Self.maxIssues {
            suppressed += 1
            if code.severity > suppressedSeverity { suppressedSeverity = code.severity }
            return
        }
        issues.append(JSONReadIssue(code: code, offset: offset, message: message, pointer: pointer ?? currentPointer()))
    }

    /// The pointer of the value being read.
    func currentPointer() -> String {
        var out = ""
        for component in path {
            switch component {
            case .key(let k): out += "/" + JSONPointer.escape(k)
            case .index(let i): out += "/" + String(i)
            }
        }
        return out
    }

    mutating func unexpected(_ expectation: String) -> FatalReadError {
        if pos >= bytes.count { return end(expectation) }
        if bytes[pos] >= 0x80 {
            // A stray non-ASCII byte: say whether it is even UTF-8.
            if (try? utf8SequenceLength(at: pos)) == nil { return FatalReadError() }
        }
        fail(.invalidSyntax, at: pos, "unexpected \(describe(at: pos)); \(expectation)")
        return FatalReadError()
    }

    mutating func end(_ expectation: String, at offset: Int? = nil) -> FatalReadError {
        if let offset {
            fail(.unexpectedEnd, at: offset, "unexpected end of file: \(expectation)")
        } else {
            fail(.unexpectedEnd, at: bytes.count, "unexpected end of file; \(expectation)")
        }
        return FatalReadError()
    }

    func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of file" }
        let b = bytes[offset]
        if b >= 0x20 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        if b < 0x80 { return "control character \(scalarName(UInt32(b)))" }
        var i = offset
        var decoder = UTF8()
        var iterator = bytes[i...].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) {
            i += 1
            return "character '\(Character(scalar))' (\(scalarName(scalar.value)))"
        }
        return "byte 0x\(hexByte(b))"
    }

    func line(of offset: Int) -> Int {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    func detectWideEncoding() -> String? {
        let n = bytes.count
        func at(_ i: Int) -> UInt8? { i < n ? bytes[i] : nil }
        if at(0) == 0x00, at(1) == 0x00, at(2) == 0xFE, at(3) == 0xFF { return "UTF-32 (big-endian)" }
        if at(0) == 0xFF, at(1) == 0xFE, at(2) == 0x00, at(3) == 0x00 { return "UTF-32 (little-endian)" }
        if at(0) == 0xFE, at(1) == 0xFF { return "UTF-16 (big-endian)" }
        if at(0) == 0xFF, at(1) == 0xFE { return "UTF-16 (little-endian)" }
        // Without a byte-order mark, JSON text starts with an ASCII character: zero bytes
        // next to it give the encoding away (RFC 4627 section 3).
        if n >= 4, at(0) == 0, at(1) == 0, at(2) == 0, at(3) != 0 { return "UTF-32 (big-endian)" }
        if n >= 4, at(0) != 0, at(1) == 0, at(2) == 0, at(3) == 0 { return "UTF-32 (little-endian)" }
        if n >= 2, at(0) == 0, at(1) != 0 { return "UTF-16 (big-endian)" }
        if n >= 2, at(0) != 0, at(1) == 0 { return "UTF-16 (little-endian)" }
        return nil
    }
}

private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

private func hexByte(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}

private func hex4String(_ v: UInt32) -> String {
    hexByte(UInt8(v >> 8)) + hexByte(UInt8(v & 0xFF))
}

private func scalarName(_ v: UInt32) -> String {
    var hex = String(v, radix: 16, uppercase: true)
    while hex.count < 4 { hex = "0" + hex }
    return "U+" + hex
}

private func printable(_ b: UInt8) -> String {
    b >= 0x20 && b < 0x7F ? String(Character(Unicode.Scalar(b))) : scalarName(UInt32(b))
}

extension Int {
    /// The number with thousands separated by commas, as messages print sizes.
    var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}
