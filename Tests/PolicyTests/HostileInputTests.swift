import Testing
@testable import Policy

/// Files made to hurt: many findings on one line, many unknown fields, characters that
/// rewrite terminals. Each is a bounded report, not a flood.
@Suite struct HostileInputTests {
    @Test func theReaderReportsAtMostTwoHundredIssuesAndCountsTheRest() {
        let text = "[" + String(repeating: "/**/", count: 60_000) + "1]"
        let result = JSONReader.read(Array(text.utf8))
        #expect(result.value != nil)
        #expect(result.issues.count == 201)
        #expect(result.issues.last?.code == .tooManyProblems)
        #expect(result.issues.last?.message.hasPrefix("59,800 more problems") == true)
    }

    @Test func aFileReportsAtMostOneHundredDiagnostics() {
        var fields: [String: String] = [:]
        for i in 0..<150 { fields["unknown_\(i)"] = "1" }
        let a = Fixtures.analyze(Fixtures.policy(fields))
        #expect(a.diagnostics.count == 101)
        #expect(a.diagnostics.last?.code == .tooManyProblems)
        #expect(a.diagnostics.last?.severity == .blocker)
        #expect(a.spec == nil)
    }

    @Test func manyFindingsOnOneLongLineArePositioned() {
        let keys = (0..<20_000).map { "\"k\($0 % 10_000)\": 1" }.joined(separator: ", ")
        let a = Fixtures.analyze("{" + keys + "}")
        #expect(a.diagnostics.count == 101)
        // Columns still count from the line's start.
        let first = a.diagnostics[0]
        #expect(first.code == .duplicateKey && first.line == 1)
        #expect(first.column == 1 + ("{" + (0..<10_000).map { "\"k\($0)\": 1" }.joined(separator: ", ") + ", ").count)
    }

    @Test func readerFindingsCarryTheirPointer() {
        let a = Fixtures.analyze(Fixtures.policy(["priority": "1, \"priority\": 2", "trigger_group": #"{"triggers": [{"type": "metric.threshold", "metric": "load", "op": ">", "value": NaN}]}"#]))
        #expect(a.diagnostics.contains { $0.code == .duplicateKey && $0.pointer == "/priority" })
        #expect(a.diagnostics.contains { $0.code == .nonFiniteNumber && $0.pointer == "/trigger_group/triggers/0/value" })
    }

    @Test func messagesSayWhatIsWrongInWords() {
        let number = JSONReader.read(Array("[012]".utf8)).issues[0].message
        #expect(number == "malformed number 012: numbers do not start with 0 unless they are 0 (write 12, not 012)")
        let newline = JSONReader.read(Array("{\"name\": \"abc,\n\"x\": 1}".utf8)).issues[0]
        #expect(newline.code == .invalidString)
        #expect(newline.message.contains("is not closed before the end of the line"))
        let (_, names) = SelectorParser.parse(mode: .list, value: "web-2", targetType: .vm)
        #expect(names[0].message.contains("to select by name, use mode \"query\" with name=web-2"))
        #expect(!names[0].message.contains("port range"))
        let (_, ports) = SelectorParser.parse(mode: .list, value: "1/1-1/4", targetType: .vm)
        #expect(ports[0].message.contains("is a port range"))
        guard case .failure(let trailing) = SelectorQuery.parse("name=a and ", targetType: .vm) else { Issue.record("parsed"); return }
        #expect(trailing.message == "expected a term after \"and\"")
    }

    @Test func namesCannotHoldControlOrBidiCharacters() {
        for name in ["abc\u{202E}cba", "abc\u{85}", "x\u{2066}yz"] {
            let a = Fixtures.analyze(Fixtures.policy(["name": JSON.string(name).canonicalString]))
            #expect(a.diagnostics.map(\.code) == [.invalidValue], "\(name.unicodeScalars.map(\.value))")
        }
    }

    @Test func terminalSafeText() {
        #expect("ok".terminalSafe == "ok")
        #expect("a\u{1B}[31mb\u{202E}c\u{9B}".terminalSafe == "a\\u{1B}[31mb\\u{202E}c\\u{9B}")
        #expect("é€😀".terminalSafe == "é€😀")
    }

    @Test func overlappingRangesAcrossModulesCountOnce() throws {
        let (s, problems) = SelectorParser.parse(mode: .list, value: "1/A1-1/B4,1/A20-1/C2,1/B2", targetType: .poePort)
        let selector = try #require(s)
        #expect(selector.inventoryRanges.count == 1)
        #expect(selector.inventoryRanges[0].from.description == "1/A1" && selector.inventoryRanges[0].to.description == "1/C2")
        #expect(problems.map(\.code) == [.repeatedTarget])
        #expect(selector.value == "1/A1-1/C2")
    }
}
