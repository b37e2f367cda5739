import Testing
@testable import Policy

/// The compact facts line that caches keep must give back exactly what checks across files
/// need, whatever the file held.
@Suite struct FactsLineTests {
    func roundTrip(_ text: String) throws -> (PolicyFileAnalysis, PolicyFileAnalysis) {
        let a = Fixtures.analyze(text, path: "policies/x y.json")
        let line = a.factsLine
        #expect(!line.contains(0x0A))
        let b = try #require(PolicyFileAnalysis(path: "policies/x y.json", factsLine: line[...]))
        return (a, b)
    }

    @Test(arguments: [
        Fixtures.policy(),
        Fixtures.policy(["name": "\"a name with spaces | pipes % and 😀\""]),
        Fixtures.policy(["enabled": "false"]),
        Fixtures.policy(["prority": "1", "suppression_window": "\"5 m\""]),
        Fixtures.policy(["actions": #"[{"capability_id": "proxmox vm|x%", "verb": "x"}, {"capability_id": "sim.vm", "verb": "start"}]"#]),
        "{\"version\": 1,\n \"name\": \"line\\nbreak\"}",
        "[",
    ])
    func everythingComesBack(text: String) throws {
        let (a, b) = try roundTrip(text)
        #expect(b.hash == a.hash)
        #expect(b.enabled == a.enabled)
        #expect(b.diagnostics == a.diagnostics)
        #expect(b.hostReference == a.hostReference)
        #expect(b.nameReference == a.nameReference)
        #expect(b.capabilityReferences == a.capabilityReferences)
    }

    @Test func malformedLinesAreRefused() {
        for text in ["", "F2 - 1 - - 0 -", "F1 - 1 - - 2 -", "F1 zz 1 - - 0 -", "F1 - 1 a|b - 0 -", "F1 - 1 - - 0 - extra", "F1 - 1 %G1|/|1|1 - 0 -"] {
            #expect(PolicyFileAnalysis(path: "p", factsLine: Array(text.utf8)[...]) == nil, "\(text)")
        }
    }
}
