import Testing
@testable import Policy

@Suite struct SelectorTests {
    func parse(_ value: String, _ type: TargetType, mode: SelectorMode = .list) -> (TargetSelector?, [SelectorProblem]) {
        SelectorParser.parse(mode: mode, value: value, targetType: type)
    }

    @Test func numericListsAndRangesExpandSortedAndMerged() throws {
        let s = try #require(parse("104,204,311-318", .vm).0)
        #expect(s.staticIDs == ["vm:104", "vm:204"] + (311...318).map { "vm:\($0)" })
        #expect(s.value == "104,204,311-318")
        let a = try #require(parse("104,105,106", .vm).0)
        let b = try #require(parse(" 106 , 104-105", .vm, mode: .range).0)
        #expect(a == b)
        #expect(a.value == "104-106")
    }

    @Test func repeatedTargetsAreAWarningAndCountedOnce() throws {
        let (s, problems) = parse("104-106,105", .vm)
        #expect(try #require(s).staticIDs.count == 3)
        #expect(problems.map(\.code) == [.repeatedTarget])
        #expect(problems[0].message.contains("vm:105"))
    }

    @Test(arguments: [
        ("", DiagnosticCode.emptySelectorItem), ("104,,105", .emptySelectorItem), ("104,", .emptySelectorItem),
        ("108-104", .reversedRange), ("abc", .invalidTargetID), ("0104", .invalidTargetID), ("1/1-1/4", .invalidTargetID),
        ("1-5000", .tooManyTargets), ("1-999999999", .tooManyTargets), ("name~web-*", .invalidTargetID),
    ] as [(String, DiagnosticCode)])
    func numericProblems(value: String, code: DiagnosticCode) {
        let (s, problems) = parse(value, .vm)
        #expect(s == nil)
        #expect(problems.map(\.code).contains(code), "\(value): \(problems)")
    }

    @Test func theCapCountsUniqueTargets() throws {
        #expect(try #require(parse("1-4096", .vm).0).staticIDs.count == 4096)
        #expect(try #require(parse("1-4096,1-4096", .vm).0).staticIDs.count == 4096)
        #expect(parse("1-4097", .vm).0 == nil)
    }

    @Test func portForms() throws {
        #expect(try #require(parse("1/1-1/4", .poePort).0).staticIDs == ["poe-port:1/1", "poe-port:1/2", "poe-port:1/3", "poe-port:1/4"])
        #expect(try #require(parse("A1-A4", .poePort).0).staticIDs.count == 4)
        #expect(try #require(parse("24, Trk3, 1/A1", .poePort).0).staticIDs == ["poe-port:24", "poe-port:1/A1", "poe-port:Trk3"])
        let sorted = try #require(parse("1/3,1/1,1/2,2/1", .poePort).0)
        #expect(sorted.value == "1/1-1/3,2/1")
    }

    @Test func rangesAcrossModulesResolveAgainstTheInventory() throws {
        let s = try #require(parse("1/A1-1/B4", .poePort).0)
        #expect(s.staticIDs.isEmpty)
        #expect(s.inventoryRanges.count == 1)
        #expect(s.inventoryRanges[0].contains(PortID.parse("1/A20")!))
        #expect(s.inventoryRanges[0].contains(PortID.parse("1/B4")!))
        #expect(!s.inventoryRanges[0].contains(PortID.parse("1/B5")!))
        #expect(!s.inventoryRanges[0].contains(PortID.parse("2/A1")!))
        #expect(s.value == "1/A1-1/B4")
    }

    @Test(arguments: [
        ("1/1-2/4", DiagnosticCode.incompatibleRange), ("1-A4", .incompatibleRange), ("1/1-A4", .incompatibleRange),
        ("1/4-1/1", .reversedRange), ("B1-A4", .reversedRange), ("a1", .invalidTargetID), ("1/A30", .invalidTargetID),
        ("1/1/1", .invalidTargetID), ("trk3", .invalidTargetID), ("1-9999", .invalidTargetID),
    ] as [(String, DiagnosticCode)])
    func portProblems(value: String, code: DiagnosticCode) {
        let (s, problems) = parse(value, .poePort)
        #expect(s == nil)
        #expect(problems.map(\.code).contains(code), "\(value): \(problems)")
    }

    @Test func namesForEndpointsAndHosts() throws {
        #expect(try #require(parse("pager,default", .endpoint).0).staticIDs == ["endpoint:default", "endpoint:pager"])
        #expect(parse("default", .host, mode: .range).1.map(\.code) == [.rangeNotAllowed])
        #expect(parse("bad name", .host).1.map(\.code) == [.invalidTargetID])
    }

    @Test func problemsCarryTheirOffsetInTheValue() {
        let (_, problems) = parse("104, 108-105", .vm)
        #expect(problems.first?.offset == 5)
    }
}

@Suite struct SelectorQueryTests {
    @Test func parsesTermsAndNormalizesOrder() throws {
        let q = try SelectorQuery.parse("status=running and  label.tier=web and name~web-*", targetType: .vm).get()
        #expect(q.canonical == "label.tier=web and name~web-* and status=running")
        let r = try SelectorQuery.parse("name~web-* and label.tier=web and status=running and status=running", targetType: .vm).get()
        #expect(q == r)
    }

    @Test func matchesTargets() throws {
        let q = try SelectorQuery.parse("name~web-? and label.tier!=db and status=running", targetType: .vm).get()
        #expect(q.matches(nativeID: "104", name: "web-1", status: "running", labels: ["tier": "web"]))
        #expect(!q.matches(nativeID: "104", name: "web-10", status: "running", labels: [:]))
        #expect(!q.matches(nativeID: "104", name: "web-1", status: "stopped", labels: [:]))
        #expect(!q.matches(nativeID: "104", name: "web-1", status: "running", labels: ["tier": "db"]))
        let quoted = try SelectorQuery.parse(#"label.room="rack a""#, targetType: .vm).get()
        #expect(quoted.matches(nativeID: "1", name: nil, status: nil, labels: ["room": "rack a"]))
        #expect(quoted.canonical == #"label.room="rack a""#)
    }

    @Test(arguments: ["", "name", "name web", "colour=red", "status=up", "name=a or name=b", "name=a AND name=b",
                      "name=a and", "name==a", #"name="open"#])
    func rejects(text: String) {
        if case .success(let q) = SelectorQuery.parse(text, targetType: .vm) { Issue.record("\(text) parsed as \(q)") }
    }

    @Test func globsNeverBlowUp() {
        #expect(Glob.matches(pattern: "a*a*a*a*a*a*a*a*b", String(repeating: "a", count: 5000)) == false)
        #expect(Glob.matches(pattern: "*", ""))
        #expect(Glob.matches(pattern: "web-*", "web-"))
        #expect(!Glob.matches(pattern: "web-?", "web-"))
    }
}
