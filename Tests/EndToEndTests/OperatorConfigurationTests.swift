import Foundation
import Testing
import TestSupport

/// The operator's configuration as commands read it: `validate --config` reports its
/// mistakes with line, column and pointer; every command that reaches hosts refuses to run
/// with a broken, missing (when named), oversized or world-writable one; `schema --kind
/// config` describes it; the example ships one that validates.
@Suite struct OperatorConfigurationCommandTests {
    @Test func theExampleConfigurationIsValid() throws {
        let r = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--config", Paths.exampleRepo + "/operator/config.json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("OK: 7 policy files, 4 hosts, 1 UPS and the operator's configuration valid"), "\(r.stdout)")
    }

    @Test func mistakesAreReportedWhereTheyAre() throws {
        let dir = TemporaryDirectory("config")
        dir.write("config.json", """
        {
          "exec": {"allow": ["/bin/true"], "user": "root"},
          "network": {"allow": ["10.0.0.0/8", "2130706433"]}
        }
        """)
        let path = dir.join("config.json")
        let r = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--config", path, "--format", "json"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let found = (try json(r.stdout)["diagnostics"] as? [[String: Any]] ?? []).filter { $0["file"] as? String == path }
        #expect(found.contains { $0["code"] as? String == "PO4006" && $0["pointer"] as? String == "/exec/user" && $0["line"] as? Int == 2 })
        #expect(found.contains { $0["code"] as? String == "PO4006" && $0["pointer"] as? String == "/network/allow/1" && $0["line"] as? Int == 3 })
        // A reconciler, plan, inventory or hook never runs on a broken configuration.
        let state = TemporaryDirectory("state")
        for command in [["plan", "--repo", Paths.exampleRepo], ["reconcile", "--repo", Paths.exampleRepo, "--state", state.path, "--once", "--no-nut"],
                        ["inventory", "--repo", Paths.exampleRepo, "--state", state.path, "--host", "sim-rack-a", "--refresh"]] {
            let refused = try Paths.policyops(command + ["--config", path])
            #expect(refused.status == 2, "\(command[0]): \(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("\(path):2:") && refused.stderr.contains("never runs as root"), "\(command[0]): \(refused.stderr)")
            #expect(refused.stderr.contains("has 2 blockers"), "\(refused.stderr)")
        }
    }

    @Test func aConfigurationThatCannotBeTrustedIsRefused() throws {
        let dir = TemporaryDirectory("config")
        let missing = try Paths.policyops(["plan", "--repo", Paths.exampleRepo, "--config", dir.join("nope.json")])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read the operator's configuration \(dir.join("nope.json"))"), "\(missing.stderr)")
        dir.write("open.json", "{}")
        chmod(dir.join("open.json"), 0o666)
        let open = try Paths.policyops(["plan", "--repo", Paths.exampleRepo, "--config", dir.join("open.json")])
        #expect(open.status == 2 && open.stderr.contains("is writable by every user"), "\(open.stderr)")
        dir.write("huge.json", "{\"secrets\": {}}" + String(repeating: " ", count: 1 << 20))
        let huge = try Paths.policyops(["plan", "--repo", Paths.exampleRepo, "--config", dir.join("huge.json")])
        #expect(huge.status == 2 && huge.stderr.contains("larger than 1 MiB"), "\(huge.stderr)")
        try FileManager.default.createDirectory(atPath: dir.join("folder.json"), withIntermediateDirectories: true)
        let folder = try Paths.policyops(["plan", "--repo", Paths.exampleRepo, "--config", dir.join("folder.json")])
        #expect(folder.status == 2 && folder.stderr.contains("is not a regular file"), "\(folder.stderr)")
        // An empty object is the strictest configuration, and valid.
        dir.write("empty.json", "{}")
        let empty = try Paths.policyops(["plan", "--repo", Paths.exampleRepo, "--config", dir.join("empty.json")])
        #expect(empty.status == 0 || empty.status == 3, "\(empty.stdout)\(empty.stderr)")
        #expect(!empty.stderr.contains("operator's configuration"), "\(empty.stderr)")
    }

    @Test func theSchemaDescribesIt() throws {
        let r = try Paths.policyops(["schema", "--kind", "config"])
        #expect(r.status == 0)
        let schema = try json(r.stdout)
        #expect(schema["title"] as? String == "PolicyOps operator configuration")
        #expect(Set((schema["properties"] as? [String: Any] ?? [:]).keys) == ["$schema", "secrets", "exec", "network", "hook"])
    }
}
