import Foundation
import Testing
@testable import Policy

/// The schema's patterns say what the validator's own predicates say, checked in Swift with
/// an ICU regular expression (close to ECMA-262 for these patterns), so the rules hold even
/// where no JSON Schema validator can be installed (issue 8, item 14; the full comparison
/// through a JSON Schema 2020-12 validator is SchemaConformanceTests).
@Suite struct SchemaPatternTests {
    func matches(_ pattern: String, _ text: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static let hostNameSamples = ["pve-1", String(repeating: "n", count: 63), String(repeating: "n", count: 64), "-pve", "pve 1",
                            "pve\u{7}", "pve\u{202E}1", "ünï", "a", "a.b_c-d"]

    @Test(arguments: hostNameSamples)
    func hostNames(name: String) throws {
        #expect(try matches(JSONSchemaWriter.hostNamePattern, name) == HostDeclarationReader.validHostName(name), "\(name.terminalSafe)")
    }

    @Test(arguments: ["policyops@pve!reconciler", "root@pam.example!ci_1", "policyops@pve", "policyops!ci", "policy ops@pve!ci",
                      "policyops@pve!c i", "a@b!c!d", "a@b@c!d", "@pve!x", "a@!x", "a@b!", "a\u{3000}b@pve!x", "a\u{FEFF}b@pve!x"])
    func tokenIDs(text: String) throws {
        #expect(try matches(JSONSchemaWriter.tokenIDPattern, text) == HostDeclarationReader.validTokenID(text), "\(text.terminalSafe)")
    }

    @Test(arguments: ["shutdown-on-battery", "  web tier off  ", "  ab  ", "abc", "ab", "      ", "shed\u{7}load", "shed\nload",
                      "shed\u{202E}load", "shed\u{2066}load", "shed\u{85}load", "\u{3000}ab\u{3000}", "a\u{3000}b", "Stromausfall – Büro"])
    func policyNames(name: String) throws {
        let spec = Fixtures.analyze(Fixtures.policy(["name": JSON.string(name).canonicalString])).spec
        let schemaAccepts = try matches(JSONSchemaWriter.policyNamePattern, name) && name.unicodeScalars.count >= 3
        #expect(schemaAccepts == (spec != nil), "\(name.terminalSafe)")
    }

    @Test(arguments: [
        (TargetType.vm, "104"), (.vm, "104-108, 204"), (.vm, " 104 "), (.vm, "0"), (.vm, "0104"), (.vm, "10a4"), (.vm, "-104"),
        (.vm, "104,,105"), (.vm, "104,"), (.vm, "1234567890"), (.vm, "10 4"), (.poePort, "1/A1"), (.poePort, "1/A24"),
        (.poePort, "1/A25"), (.poePort, "1/a1"), (.poePort, "Trk3"), (.poePort, "24"), (.poePort, "1/1-1/4"), (.poePort, "A1/x"),
        (.endpoint, "ops-chat"), (.endpoint, "ops chat"), (.endpoint, "ops-chat,on-call"), (.host, "default"), (.host, "-x"),
    ] as [(TargetType, String)])
    func selectorLists(type: TargetType, value: String) throws {
        let (selector, _) = SelectorParser.parse(mode: .list, value: value, targetType: type)
        #expect(try matches(JSONSchemaWriter.selectorPattern(type), value) == (selector != nil), "\(type.rawValue): \(value)")
    }

    @Test(arguments: ["1s", "2s", "0s", "1h", "1h1s", "60m", "61m", "59m60s", "59m61s", "3600s", "3601s", "0d1h", "1d", "01h",
                      "00m05s", "2h", "1h0m0s", "30m1800s", "30m1801s"])
    func pollDurations(text: String) throws {
        let valid = (try? PolicyDuration.parse(text).get()).map { $0.seconds >= 1 && $0.seconds <= 3600 } ?? false
        #expect(try matches(JSONSchemaWriter.pollPattern, text) == valid, "\(text)")
    }

    @Test(arguments: ["policies/**/*.json", "rules/*.json", "../policies/*.json", "./x", "a//b", "a/", "/abs", "a\\b", "a/../b", "..x/y", "a/.b"])
    func settingsGlobs(text: String) throws {
        #expect(try matches(JSONSchemaWriter.segmentsPattern("[^/\\\\]+"), text) == (PathGlob(text) != nil), "\(text)")
    }

    @Test(arguments: ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Europe/New York", "../etc", "/UTC", "", "a.b"])
    func timeZoneNames(text: String) throws {
        #expect(try matches(JSONSchemaWriter.timeZonePattern, text) == RepositorySettings.validTimeZoneName(text), "\(text)")
    }
}
