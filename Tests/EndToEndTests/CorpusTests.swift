import Foundation
import Testing
import TestSupport

/// The fixture corpus: realistic valid policies and one mistake or attack per invalid file,
/// every one run through the CLI. `expectations.json` maps each file to the diagnostics that
/// characterize it (empty for valid files).
@Suite struct CorpusTests {
    static let root = Paths.packageRoot + "/Tests/EndToEndTests/Fixtures/corpus"

    struct Expected: Sendable, CustomTestStringConvertible {
        var path: String
        var diagnostics: [[String: String]]
        var testDescription: String { path }
    }

    static let cases: [Expected] = {
        guard let data = FileManager.default.contents(atPath: root + "/expectations.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]] else { return [] }
        return object.keys.sorted().map { path in
            Expected(path: path, diagnostics: object[path]!.map { d in d.mapValues { "\($0)" } })
        }
    }()

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.cases.filter { $0.diagnostics.isEmpty }.count >= 25)
        #expect(Self.cases.filter { !$0.diagnostics.isEmpty }.count >= 60)
        // Every file in the corpus has an expectation, so nothing is silently skipped.
        let files = FileManager.default.enumerator(atPath: Self.root + "/policies")!.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }
        #expect(Set(files.map { "policies/" + $0 }) == Set(Self.cases.map(\.path)))
    }

    /// One CLI run over the whole corpus; every file's diagnostics come from it.
    static let report: [String: [[String: String]]] = {
        guard let r = try? Paths.policyops(["validate", "--format", "json"], directory: root),
              let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let diagnostics = object["diagnostics"] as? [[String: Any]] else { return [:] }
        var byFile: [String: [[String: String]]] = [:]
        for d in diagnostics {
            let row = d.mapValues { "\($0)" }
            byFile[row["file"] ?? "", default: []].append(row)
        }
        return byFile
    }()

    @Test(arguments: cases)
    func validateReportsWhatTheFileIs(c: Expected) throws {
        let found = Self.report[c.path] ?? []
        if c.diagnostics.isEmpty {
            #expect(!found.contains { $0["severity"] == "blocker" }, "\(c.path): \(found)")
        } else {
            #expect(found.contains { $0["severity"] == "blocker" }, "\(c.path) has no blocker")
            for e in c.diagnostics {
                #expect(found.contains { d in e.allSatisfy { d[$0.key] == $0.value } }, "\(c.path): expected \(e), got \(found)")
            }
        }
    }

    /// Each valid file alone passes; each invalid one alone fails (a sample, each a CLI run).
    @Test(arguments: cases.filter { $0.diagnostics.isEmpty } + cases.filter { !$0.diagnostics.isEmpty }.enumerated().filter { $0.offset % 8 == 0 }.map(\.element))
    func exitStatusOfOneFile(c: Expected) throws {
        let r = try Paths.policyops(["validate", "--format", "json", c.path], directory: Self.root)
        #expect(r.status == (c.diagnostics.isEmpty ? 0 : 1), "\(c.path): \(r.stdout.prefix(500))\(r.stderr)")
        let found = (try json(r.stdout)["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        #expect(found.allSatisfy { $0 == c.path })
    }

    @Test func textOutputForTheWholeCorpus() throws {
        let r = try Paths.policyops(["validate"], directory: Self.root)
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAILED:"))
        #expect(r.stderr.isEmpty)
    }
}

/// The library of ready patterns in `policies/` is a valid policy repository of its own.
@Suite struct PatternLibraryTests {
    static let library = Paths.packageRoot + "/policies"

    @Test func everyPatternValidatesWithoutAnyDiagnostic() throws {
        let r = try Paths.policyops(["validate", "--repo", Self.library, "--format", "json"])
        #expect(r.status == 0, "\(r.stdout)")
        let report = try json(r.stdout)
        #expect((report["diagnostics"] as? [Any])?.isEmpty == true, "\(report["diagnostics"] ?? "")")
        let patterns = try FileManager.default.contentsOfDirectory(atPath: Self.library + "/patterns").filter { $0.hasSuffix(".json") }
        #expect(patterns.count >= 10)
        #expect((report["policies"] as? [Any])?.count == patterns.count)
    }

    @Test func everyPatternIsExplained() throws {
        for pattern in try FileManager.default.contentsOfDirectory(atPath: Self.library + "/patterns") where pattern.hasSuffix(".json") {
            let r = try Paths.policyops(["explain", "--repo", Self.library, Self.library + "/patterns/" + pattern])
            #expect(r.status == 0, "\(pattern): \(r.stderr)")
        }
    }

    @Test func theLibraryHostsAreTheExampleHosts() throws {
        for host in try FileManager.default.contentsOfDirectory(atPath: Paths.exampleRepo + "/hosts") {
            let a = try String(contentsOfFile: Paths.exampleRepo + "/hosts/" + host, encoding: .utf8)
            let b = try String(contentsOfFile: Self.library + "/hosts/" + host, encoding: .utf8)
            #expect(a.replacingOccurrences(of: "\"../host-v1.schema.json\"", with: "\"../../example-repo/host-v1.schema.json\"") == b, "\(host) drifted")
        }
    }

    @Test func theReadmeListsEveryPattern() throws {
        let readme = try String(contentsOfFile: Self.library + "/README.md", encoding: .utf8)
        for pattern in try FileManager.default.contentsOfDirectory(atPath: Self.library + "/patterns") where pattern.hasSuffix(".json") {
            #expect(readme.contains("(patterns/\(pattern))"), "\(pattern) is not in policies/README.md")
        }
    }
}
