import Testing
@testable import Policy

@Suite struct JSONReaderTests {
    func read(_ text: String, limits: JSONReadLimits = .default) -> JSONReadResult {
        JSONReader.read(Array(text.utf8), limits: limits)
    }

    func codes(_ text: String) -> [DiagnosticCode] { read(text).issues.map(\.code) }

    @Test func keepsTheOffsetOfEveryValue() throws {
        let text = "{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": true}\n}"
        let value = try #require(read(text).value)
        guard case .object(let members) = value.kind else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["a", "b"])
        var source = SourceText(bytes: Array(text.utf8))
        #expect(source.position(of: members[0].keyOffset) == (2, 3))
        #expect(source.position(of: members[0].value.offset) == (2, 8))
        guard case .array(let elements) = members[0].value.kind else { Issue.record("not an array"); return }
        #expect(source.position(of: elements[1].offset) == (2, 12))
        guard case .object(let inner) = members[1].value.kind else { Issue.record("not an object"); return }
        #expect(source.position(of: inner[0].value.offset) == (3, 14))
    }

    @Test func columnsCountCharactersAndSkipTheByteOrderMark() {
        let text = "\u{FEFF}{\"é€\": 1}"
        let result = read(text)
        #expect(result.issues.map(\.code) == [.byteOrderMark])
        guard case .object(let members)? = result.value?.kind else { Issue.record("no object"); return }
        var source = SourceText(bytes: Array(text.utf8))
        #expect(source.position(of: members[0].value.offset) == (1, 8))
    }

    @Test func crlfLineEndsCountAsOneLine() {
        let text = "{\r\n\"a\":\r\n 1}"
        guard case .object(let members)? = read(text).value?.kind else { Issue.record("no object"); return }
        var source = SourceText(bytes: Array(text.utf8))
        #expect(source.position(of: members[0].value.offset) == (3, 2))
    }

    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", DiagnosticCode.duplicateKey),
        ("{\"a\": 1 // note\n}", .comment),
        ("{/* c */\"a\": 1}", .comment),
        ("{\"a\": 1,}", .trailingComma),
        ("[1, 2,]", .trailingComma),
        ("{\"a\": NaN}", .nonFiniteNumber),
        ("{\"a\": Infinity}", .nonFiniteNumber),
        ("{\"a\": -Infinity}", .nonFiniteNumber),
        ("{\"a\": 1e400}", .numberOutOfRange),
        ("{\"a\": +1}", .invalidNumber),
        ("{\"a\": 012}", .invalidNumber),
        ("{\"a\": 1.}", .invalidNumber),
        ("{\"a\": .5}", .invalidNumber),
        ("{\"a\": 1e}", .invalidNumber),
        ("{\"a\": \"\\ud800\"}", .loneSurrogate),
        ("{\"a\": \"\\udc00x\"}", .loneSurrogate),
        ("{\"a\": \"\\x41\"}", .invalidString),
        ("{\"a\": \"line\nbreak\"}", .invalidString),
        ("{\"a\": \"\\u12\"}", .invalidString),
        ("{\"a\": 1", .unexpectedEnd),
        ("{\"a\": \"open", .unexpectedEnd),
        ("{\"a\": 1} {}", .trailingContent),
        ("{'a': 1}", .invalidSyntax),
        ("{a: 1}", .invalidSyntax),
        ("{\"a\": True}", .invalidSyntax),
        ("{\"a\" 1}", .invalidSyntax),
        ("{\"a\": 1 \"b\": 2}", .invalidSyntax),
        ("", .emptyFile),
        ("  \n ", .emptyFile),
    ])
    func reportsEachRejection(text: String, code: DiagnosticCode) {
        #expect(codes(text).contains(code), "\(text.debugDescription) → \(codes(text))")
    }

    @Test func recoverableProblemsStillGiveAValueAndAreAllReported() {
        let result = read("{\n\"a\": 1, // one\n\"a\": 2,\n\"b\": [1,],\n}")
        #expect(result.value != nil)
        #expect(result.issues.map(\.code) == [.comment, .duplicateKey, .trailingComma, .trailingComma])
    }

    @Test func invalidUTF8IsABlockerAtItsByte() {
        var bytes = Array("{\"a\": \"x".utf8)
        bytes.append(0xC3)
        bytes.append(0x28)
        bytes += Array("\"}".utf8)
        let result = JSONReader.read(bytes)
        #expect(result.value == nil)
        #expect(result.issues.map(\.code) == [.invalidUTF8])
        #expect(result.issues[0].offset == 8)
    }

    @Test(arguments: [[0xFF, 0xFE, 0x7B, 0x00], [0xFE, 0xFF, 0x00, 0x7B], [0x7B, 0x00, 0x7D, 0x00], [0x00, 0x00, 0xFE, 0xFF]] as [[UInt8]])
    func wideEncodingsAreRejected(bytes: [UInt8]) {
        let result = JSONReader.read(bytes)
        #expect(result.value == nil)
        #expect(result.issues.map(\.code) == [.unsupportedEncoding])
    }

    @Test func overlongAndSurrogateUTF8AreInvalid() {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] {
            let bytes = Array("\"".utf8) + bad + Array("\"".utf8)
            #expect(JSONReader.read(bytes).issues.map(\.code) == [.invalidUTF8], "\(bad)")
        }
    }

    @Test func deepNestingIsADiagnosticNotACrash() {
        let text = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        let result = read(text)
        #expect(result.value == nil)
        #expect(result.issues.map(\.code) == [.nestingTooDeep])
        let objects = String(repeating: "{\"a\":", count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        #expect(read(objects).issues.map(\.code) == [.nestingTooDeep])
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(read(ok).issues.isEmpty)
    }

    @Test func filesOverTheLimitAreNotRead() {
        let result = read("[" + String(repeating: "1,", count: 10) + "1]", limits: JSONReadLimits(maxBytes: 10, maxDepth: 64, maxNumberLength: 100))
        #expect(result.issues.map(\.code) == [.fileTooLarge])
    }

    @Test func hostileObjectsWithManyKeysStayLinear() {
        var text = "{"
        for i in 0..<50_000 { text += "\"k\(i)\":\(i)," }
        text += "\"k7\":0}"
        let result = read(text)
        #expect(result.issues.map(\.code) == [.duplicateKey])
    }

    @Test func longNumberLiteralsAreRejected() {
        let digits = String(repeating: "9", count: 150)
        #expect(codes("{\"a\": \(digits)}") == [.numberOutOfRange])
    }

    @Test func stringsDecodeEscapesAndPairs() throws {
        let value = try #require(read("\"a\\n\\u00e9\\ud83d\\ude00\\/\"").value)
        #expect(value.stringValue == "a\né😀/")
    }

    @Test func integersKeepEveryDigit() throws {
        let value = try #require(read("[9223372036854775807, 1.0, 1e2, -0]").value)
        guard case .array(let e) = value.kind, case .number(let a) = e[0].kind, case .number(let b) = e[1].kind,
              case .number(let c) = e[2].kind else { Issue.record("shape"); return }
        #expect(a.int64 == Int64.max)
        #expect(!b.isInteger && b.int64 == nil)
        #expect(!c.isInteger)
    }
}
