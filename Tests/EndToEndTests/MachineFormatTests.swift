import Foundation
import Testing
import TestSupport

/// Under `--format json` (or `markdown`) everything a command prints on standard output is
/// in that format, its refusals too.
@Suite struct MachineFormatTests {
    static let trace = Paths.exampleRepo + "/traces/outage-2026-10-14.json"

    /// The blockers of `flawedRepository()` in validate's diagnostic shape.
    func expectBlockers(_ r: ProcessResult, _ what: String) throws {
        #expect(r.status == 1, "\(what): \(r.stdout)\(r.stderr)")
        let doc = try json(r.stdout)
        #expect(doc["ok"] as? Bool == false, "\(what)")
        #expect((doc["commit"] as? String)?.count == 40, "\(what)")
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]], "\(what): \(r.stdout)")
        #expect(diagnostics.count == 2, "\(what)")
        for d in diagnostics {
            #expect(d["severity"] as? String == "blocker")
            #expect(d["file"] as? String == "policies/flawed.json")
            #expect((d["code"] as? String)?.hasPrefix("PO") == true)
            #expect(d["line"] is Int && d["column"] is Int && d["pointer"] is String && d["message"] is String)
        }
    }

    @Test func planJSONWithBlockersIsJSON() throws {
        let fx = try flawedRepository()
        try expectBlockers(try Paths.policyops(["plan", "--repo", fx.path + "/ops", "--format", "json"]), "plan")
    }

    @Test func simulateJSONWithBlockersIsJSON() throws {
        let fx = try flawedRepository()
        try expectBlockers(try Paths.policyops(["simulate", "--repo", fx.path + "/ops", "--trace", Self.trace, "--format", "json"]), "simulate")
        // The base of a comparison has the blockers.
        fx.remove("ops/policies/flawed.json")
        try fx.commit("fixed")
        try expectBlockers(try Paths.policyops(["simulate", "--repo", fx.path + "/ops", "--trace", Self.trace, "--compare", "HEAD~1", "--format", "json"]),
                           "simulate --compare")
    }

    @Test(arguments: [["plan"], ["simulate", "--trace", trace]])
    func markdownWithBlockersIsMarkdown(_ command: [String]) throws {
        let fx = try flawedRepository()
        let r = try Paths.policyops(command + ["--repo", fx.path + "/ops", "--format", "markdown"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("### ") == true, "\(r.stdout)")
        #expect(!lines.contains { $0.hasPrefix("FAILED") || $0.hasPrefix("policies/") }, "text lines in Markdown: \(r.stdout)")
        let rows = lines.filter { $0.hasPrefix("| ") && $0.contains("policies/flawed.json") }
        #expect(rows.count == 2, "\(r.stdout)")
        #expect(rows.allSatisfy { $0.contains("`PO") && $0.contains("blocker") })
        #expect(lines.contains { $0.hasPrefix("|---") })
    }

    @Test func inventorySearchJSONIsJSON() throws {
        let state = TemporaryDirectory("state")
        let refresh = try Paths.policyops(["inventory", "--repo", Paths.exampleRepo, "--state", state.path, "--host", "sim-rack-a", "--refresh"])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        let r = try Paths.policyops(["inventory", "search", "--state", state.path, "--format", "json", "label.tier=web"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try json(r.stdout)
        #expect(doc["query"] as? String == "label.tier=web")
        let targets = try #require(doc["targets"] as? [[String: Any]], "\(r.stdout)")
        #expect(targets.compactMap { $0["id"] as? String }.sorted() == ["vm:104", "vm:105", "vm:106"])
        #expect(targets.allSatisfy { $0["host_id"] as? String == "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20" })
        #expect(doc["count"] as? Int == 3)
        let none = try Paths.policyops(["inventory", "search", "--state", state.path, "--format", "json", "nothing-is-called-this"])
        #expect(none.status == 0)
        #expect((try json(none.stdout)["targets"] as? [Any])?.isEmpty == true)
    }
}
