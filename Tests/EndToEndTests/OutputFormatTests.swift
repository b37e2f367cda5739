import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// A policy repository inside `ops/` of a git repository, with three findings: two
/// blockers and a warning.
func flawedRepository() throws -> GitFixture {
    let fx = try exampleInGit()
    fx.write("ops/policies/flawed.json", """
    {
      "version": 1,
      "name": "flawed & <odd>",
      "prority": 5,
      "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
      "targets": {"host_id": "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20", "target_type": "vm", "selector": {"mode": "list", "value": "104,104"}},
      "actions": [{"capability_id": "sim.vm", "verb": "shutdown"}],
      "suppression_window": "1m5m"
    }
    """)
    try fx.commit("flawed")
    return fx
}

@Suite struct OutputFormatTests {
    func validate(_ format: String, _ fx: GitFixture) throws -> ProcessResult {
        try Paths.policyops(["validate", "--repo", fx.path + "/ops", "--format", format])
    }

    @Test func githubAnnotationsNameTheFileFromTheRepositoryRoot() throws {
        let fx = try flawedRepository()
        let r = try validate("github", fx)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let annotations = lines.filter { $0.hasPrefix("::") }
        #expect(annotations.count == 3)
        let pattern = #/^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=(PO\d{4})[^:]*::(.+)$/#
        var files: [String] = [], kinds: [String] = []
        for line in annotations {
            let m = try #require(try pattern.wholeMatch(in: line), "\(line)")
            files.append(String(m.output.2))
            kinds.append(String(m.output.1))
        }
        #expect(Set(files) == ["ops/policies/flawed.json"])
        #expect(kinds.sorted() == ["error", "error", "warning"])
        #expect(annotations.contains { $0.contains("line=4,col=3,title=PO2001") })
        #expect(lines.last?.hasPrefix("FAILED: 2 blockers, 1 warning") == true)
    }

    @Test func sarifHasTheStructureItsSchemaRequires() throws {
        let fx = try flawedRepository()
        let r = try validate("sarif", fx)
        #expect(r.status == 1)
        let log = try json(r.stdout)
        #expect(log["version"] as? String == "2.1.0")
        #expect(Set(log.keys).isSubset(of: ["$schema", "version", "runs", "inlineExternalProperties", "properties"]))
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "policyops")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let ruleIDs = rules.compactMap { $0["id"] as? String }
        #expect(ruleIDs.count == rules.count && Set(ruleIDs).count == rules.count)
        for rule in rules {
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            #expect(["none", "note", "warning", "error"].contains(level ?? ""))
        }
        let results = try #require(runs[0]["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for result in results {
            // result.message is required and needs text (or an id).
            #expect(((result["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let ruleID = try #require(result["ruleId"] as? String)
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(ruleIDs[index] == ruleID)
            #expect(["none", "note", "warning", "error"].contains(result["level"] as? String ?? ""))
            let location = try #require((result["locations"] as? [[String: Any]])?.first)
            let physical = try #require(location["physicalLocation"] as? [String: Any])
            #expect((physical["artifactLocation"] as? [String: Any])?["uri"] as? String == "ops/policies/flawed.json")
            let region = try #require(physical["region"] as? [String: Any])
            #expect((region["startLine"] as? Int ?? 0) >= 1 && (region["startColumn"] as? Int ?? 0) >= 1)
            #expect(Set(result.keys).isSubset(of: ["ruleId", "ruleIndex", "level", "message", "locations", "properties"]))
        }
    }

    @Test func junitIsXMLACISystemReads() throws {
        let fx = try flawedRepository()
        let r = try validate("junit", fx)
        #expect(r.status == 1)
        let document = try XMLDocument(data: Data(r.stdout.utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suite = try #require(root.elements(forName: "testsuite").first)
        let cases = suite.elements(forName: "testcase")
        #expect(cases.count == 13)   // 8 policies, 4 hosts, 1 UPS
        #expect(suite.attribute(forName: "tests")?.stringValue == "13")
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
        let failing = cases.filter { !$0.elements(forName: "failure").isEmpty }
        #expect(failing.count == 1)
        #expect(failing[0].attribute(forName: "name")?.stringValue == "ops/policies/flawed.json")
        let failure = try #require(failing[0].elements(forName: "failure").first)
        #expect(failure.attribute(forName: "type")?.stringValue?.hasPrefix("PO") == true)
        #expect(failure.stringValue?.contains("PO2102") == true)
        #expect(failing[0].elements(forName: "system-out").first?.stringValue?.contains("PO2306") == true)
    }

    @Test func aCleanRepositoryInEveryFormat() throws {
        for format in ["text", "json", "github", "sarif", "junit"] {
            let r = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--format", format])
            #expect(r.status == 0, "\(format): \(r.stdout)")
            #expect(!r.stdout.isEmpty)
        }
    }
}

@Suite struct DiffTests {
    func changedRepository() throws -> GitFixture {
        let fx = try exampleInGit()
        let web = "ops/policies/power/shutdown-web-tier-on-battery.json"
        fx.write(web, fx.directory.read(web)!.replacingOccurrences(of: "\"104-106\"", with: "\"104-108\"")
            .replacingOccurrences(of: "\"priority\": 10", with: "\"priority\": 1"))
        fx.remove("ops/policies/power/pve-shutdown-on-low-runtime.json")
        fx.write("ops/policies/power/cams-off.json", fx.directory.read("ops/policies/power/cut-poe-on-low-battery.json")!
            .replacingOccurrences(of: "cut-ap-poe-on-low-battery", with: "cut-camera-poe").replacingOccurrences(of: "1/1-1/4", with: "1/5-1/6"))
        // Reformatting and spelling out a default is no change.
        let start = "ops/policies/power/start-web-tier-on-mains.json"
        fx.write(start, fx.directory.read(start)!.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, \"enabled\": true,   "))
        try fx.commit("change policies")
        return fx
    }

    @Test func text() throws {
        let fx = try changedRepository()
        let r = try Paths.policyops(["diff", "--repo", fx.path + "/ops", "HEAD~1", "HEAD"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("~ policies/power/shutdown-web-tier-on-battery.json  shutdown-web-tier-on-battery"))
        #expect(r.stdout.contains("targets: vm:104–106 → vm:104–108 on sim-rack-a, +2"))
        #expect(r.stdout.contains("order: priority 10 → 1: runs 1st of 6 (was 3rd)"))
        #expect(r.stdout.contains("+ policies/power/cams-off.json  cut-camera-poe"))
        #expect(r.stdout.contains("- policies/power/pve-shutdown-on-low-runtime.json  pve-shutdown-on-low-runtime"))
        #expect(!r.stdout.contains("start-web-tier-on-mains"))
        #expect(r.stdout.contains("8 policies: 1 changed, 1 added, 1 removed, 5 unchanged"))
    }

    @Test func jsonReportsFieldsFromWhatToWhat() throws {
        let fx = try changedRepository()
        let r = try Paths.policyops(["diff", "--repo", fx.path + "/ops", "HEAD~1", "HEAD", "--format", "json"])
        let report = try json(r.stdout)
        let policies = try #require(report["policies"] as? [[String: Any]])
        #expect(policies.map { $0["change"] as? String } == ["added", "removed", "changed"])
        let changed = policies[2]
        let fields = try #require(changed["fields"] as? [[String: Any]])
        #expect(fields.contains { $0["pointer"] as? String == "/priority" && $0["from"] as? Int == 10 && $0["to"] as? Int == 1 })
        #expect(fields.contains { $0["pointer"] as? String == "/targets/selector/value" && $0["from"] as? String == "104-106" && $0["to"] as? String == "104-108" })
        let targets = try #require(changed["targets"] as? [String: Any])
        #expect(targets["added"] as? [String] == ["vm:107", "vm:108"])
        #expect(report["unchanged"] as? Int == 5)
    }

    @Test func markdownForAPullRequest() throws {
        let fx = try changedRepository()
        fx.write("ops/policies/broken.json", "{\"version\": 1")
        try fx.commit("broken too")
        let r = try Paths.policyops(["diff", "--repo", fx.path + "/ops", "HEAD~2", "HEAD", "--format", "markdown"])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("### PolicyOps: 9 policies: 1 changed, 2 added, 1 removed, 5 unchanged"))
        #expect(r.stdout.contains("| ✏️ | `shutdown-web-tier-on-battery`"))
        #expect(r.stdout.contains("targets vm:104–106 → vm:104–108 on sim-rack-a, +2"))
        #expect(r.stdout.contains("**1 blocker after this change**"))
        #expect(r.stdout.contains("| `/priority` | `10` | `1` |"))
    }

    @Test func sameRevisionIsNoChange() throws {
        let r = try Paths.policyops(["diff", "--repo", Paths.exampleRepo, "HEAD", "HEAD"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(": 7 unchanged"))
    }
}
