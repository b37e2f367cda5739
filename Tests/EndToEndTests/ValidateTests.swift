import Foundation
import Testing
import TestSupport

/// Parses the JSON a command printed.
func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

func codes(_ report: [String: Any]) -> [String] {
    (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
}

/// A copy of example-repo inside a larger git repository, as `ops/`.
func exampleInGit() throws -> GitFixture {
    let fx = try GitFixture()
    try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo, fx.path + "/ops"])
    fx.write("README.md", "infrastructure")
    try fx.commit("add policies")
    return fx
}

@Suite struct ValidateTests {
    @Test func theExampleRepositoryIsValid() throws {
        let r = try Paths.policyops(["validate", "--repo", Paths.exampleRepo])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("OK: 7 policy files, 4 hosts, 1 UPS valid"))
    }

    @Test func jsonOutputHasTheContractsShape() throws {
        let r = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--format", "json"])
        let report = try json(r.stdout)
        #expect(report["ok"] as? Bool == true)
        #expect((report["diagnostics"] as? [Any])?.isEmpty == true)
        let policies = try #require(report["policies"] as? [[String: Any]])
        #expect(policies.count == 7)
        for p in policies {
            #expect((p["path"] as? String)?.hasPrefix("policies/") == true)
            #expect((p["policy_id"] as? String)?.count == 36)
            #expect((p["hash"] as? String)?.count == 64)
        }
    }

    @Test func everyRevisionAndTheWorkingTree() throws {
        let fx = try exampleInGit()
        let good = fx.directory.read("ops/policies/power/start-web-tier-on-mains.json")!
        fx.write("ops/policies/power/start-web-tier-on-mains.json", good.replacingOccurrences(of: "\"2m\"", with: "\"2m2m\""))
        try fx.commit("break the start timer")
        fx.write("ops/policies/power/start-web-tier-on-mains.json", good.replacingOccurrences(of: "\"2m\"", with: "\"3m\""))
        try fx.commit("fix it")
        fx.write("ops/policies/new.json", "{\"version\": 1,}")
        let repo = fx.path + "/ops"
        func run(_ extra: [String]) throws -> (Int32, [String]) {
            let r = try Paths.policyops(["validate", "--repo", repo, "--format", "json"] + extra)
            return (r.status, codes(try json(r.stdout)))
        }
        #expect(try run(["--rev", "HEAD"]) == (0, []))
        #expect(try run(["--rev", "HEAD~1"]) == (1, ["PO2102"]))
        #expect(try run(["--rev", "main~2"]) == (0, []))
        let working = try run([])
        #expect(working.0 == 1)
        #expect(Set(working.1) == ["PO1005", "PO2002"])
        // From inside the folder, without --repo.
        let inside = try Paths.policyops(["validate", "--rev", "HEAD~1"], directory: repo)
        #expect(inside.status == 1)
        #expect(inside.stdout.contains("policies/power/start-web-tier-on-mains.json:"))
    }

    @Test func textOutputNamesFileLineColumnPointerAndCode() throws {
        let dir = TemporaryDirectory()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", dir.path + "/hosts"])
        dir.write("policies/a.json", """
        {
          "version": 1,
          "name": "typo",
          "prority": 5,
          "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
          "targets": {"host_id": "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20", "target_type": "vm", "selector": {"mode": "list", "value": "104"}},
          "actions": [{"capability_id": "sim.vm", "verb": "shutdown"}]
        }
        """)
        let r = try Paths.policyops(["validate", "--repo", dir.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("policies/a.json:4:3: blocker PO2001 at /prority: unknown field \"prority\" in a policy; did you mean \"priority\"?"))
        #expect(r.stdout.contains("FAILED: 1 blocker"))
    }

    @Test func pathsFilterTheReport() throws {
        let dir = TemporaryDirectory()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", dir.path])
        dir.write("policies/broken.json", "[")
        let all = try Paths.policyops(["validate", "--repo", dir.path, "--format", "json"])
        #expect(all.status == 1)
        let one = try Paths.policyops(["validate", "--format", "json", "policies/power"], directory: dir.path)
        #expect(one.status == 0)
        #expect((try json(one.stdout)["policies"] as? [Any])?.count == 6)
        let missing = try Paths.policyops(["validate", "policies/nope.json"], directory: dir.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("policies/nope.json"))
        let outside = try Paths.policyops(["validate", "--repo", dir.path, "/etc/passwd"])
        #expect(outside.status == 2)
    }

    @Test func environmentProblemsExitTwo() throws {
        let plain = TemporaryDirectory()
        let noGit = try Paths.policyops(["validate", "--repo", plain.path, "--rev", "HEAD"])
        #expect(noGit.status == 2)
        #expect(noGit.stderr.contains("not inside a git repository"))
        let fx = try exampleInGit()
        let badRev = try Paths.policyops(["validate", "--repo", fx.path + "/ops", "--rev", "no-such-branch"])
        #expect(badRev.status == 2)
        #expect(badRev.stderr.contains("unknown revision \"no-such-branch\""))
        let notDir = try Paths.policyops(["validate", "--repo", "/nonexistent/folder"])
        #expect(notDir.status == 2)
    }

    @Test func aBrokenRepositoryIsAClearErrorNotACrash() throws {
        let fx = try exampleInGit()
        let blob = try fx.git(["rev-parse", "HEAD:ops/policies/power/cut-poe-on-low-battery.json"])
        let object = fx.path + "/.git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))"
        try FileManager.default.removeItem(atPath: object)
        let r = try Paths.policyops(["validate", "--repo", fx.path + "/ops", "--rev", "HEAD"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(r.stderr.contains(String(blob.prefix(7))))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: fx.path + "/.git/HEAD"))
        let broken = try Paths.policyops(["validate", "--repo", fx.path + "/ops", "--rev", "HEAD"])
        #expect(broken.status == 2)
    }
}
