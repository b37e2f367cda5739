import Foundation
import Testing
import TestSupport

/// Every file under `root`, relative path → bytes.
func tree(_ root: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let e = FileManager.default.enumerator(atPath: root)!
    while let relative = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDir), !isDir.boolValue {
            out[relative] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))
        }
    }
    return out
}

@Suite struct CompileTests {
    @Test func theSameCommitInTwoClonesGivesByteIdenticalIR() throws {
        let origin = try exampleInGit()
        let tweaked = origin.directory.read("ops/policies/power/shutdown-web-tier-on-battery.json")!
        origin.write("ops/policies/power/shutdown-web-tier-on-battery.json", tweaked.replacingOccurrences(of: "\"priority\": 10", with: "\"priority\": 11"))
        let head = try origin.commit("reprioritize")
        var results: [[String: Data]] = []
        for i in 0..<2 {
            let clone = TemporaryDirectory("clone\(i)")
            try ProcessRunner.tool("git", ["clone", "-q", origin.path, clone.join("work")])
            let state = TemporaryDirectory("state\(i)")
            let r = try Paths.policyops(["compile", "--repo", clone.join("work/ops"), "--rev", "HEAD", "--state", state.path])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            results.append(try tree(state.path))
        }
        #expect(results[0] == results[1])
        #expect(results[0].keys.contains("commits/\(head).json"))
        #expect(results[0].keys.filter { $0.hasPrefix("ir/sha256/") }.count == 7 + 4 + 1)
        for (path, bytes) in results[0] where path.hasPrefix("ir/sha256/") {
            let hex = path.dropFirst("ir/sha256/".count).replacingOccurrences(of: "/", with: "").replacingOccurrences(of: ".json", with: "")
            let digest = try ProcessRunner.tool("sha256sum", [], input: bytes).stdout.prefix(64)
            #expect(hex == digest)
        }
        let manifest = try json(String(decoding: results[0]["commits/\(head).json"]!, as: UTF8.self))
        let policies = try #require(manifest["policies"] as? [[String: Any]])
        let changed = try #require(policies.first { ($0["path"] as? String) == "policies/power/shutdown-web-tier-on-battery.json" })
        #expect(changed["version_int"] as? Int == 2)
        #expect(policies.filter { ($0["version_int"] as? Int) == 1 }.count == 6)
        #expect(manifest["path"] as? String == "ops")
    }

    @Test func theSamePolicyInTwoCommitsIsOneObject() throws {
        let fx = try exampleInGit()
        let state = TemporaryDirectory()
        #expect(try Paths.policyops(["compile", "--repo", fx.path + "/ops", "--state", state.path]).status == 0)
        fx.write("ops/policies/extra.json", fx.directory.read("ops/policies/power/start-web-tier-on-mains.json")!
            .replacingOccurrences(of: "start-web-tier-on-mains", with: "start-again").replacingOccurrences(of: "104-108", with: "110"))
        try fx.commit("one more")
        let r = try Paths.policyops(["compile", "--repo", fx.path + "/ops", "--state", state.path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("13 referenced, 1 new"), "\(r.stdout)")
    }

    @Test func aCommitWithABlockerStillGetsItsManifest() throws {
        let fx = try exampleInGit()
        fx.write("ops/policies/bad.json", "{\"version\": 2}")
        let head = try fx.commit("bad")
        let state = TemporaryDirectory()
        let r = try Paths.policyops(["compile", "--repo", fx.path + "/ops", "--state", state.path, "--format", "json"])
        #expect(r.status == 1)
        let manifest = try json(try String(contentsOfFile: state.path + "/commits/\(head).json", encoding: .utf8))
        #expect(manifest["ok"] as? Bool == false)
        let bad = (manifest["policies"] as? [[String: Any]])?.first { ($0["path"] as? String) == "policies/bad.json" }
        #expect(bad?["status"] as? String == "invalid")
        #expect(bad?["ir"] is NSNull)
    }

    @Test func compileNeedsACommit() throws {
        let plain = TemporaryDirectory()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", plain.path])
        let r = try Paths.policyops(["compile", "--repo", plain.path, "--state", plain.join("state")])
        #expect(r.status == 2)
    }
}

@Suite struct ExplainAndSchemaTests {
    @Test func explainSaysWhatAPolicyDoes() throws {
        let r = try Paths.policyops(["explain", "policies/power/shed-app-tier-under-load.json"], directory: Paths.exampleRepo)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("When the UPS is on battery and load is above 60 % for 2 min (all at once), and only if battery charge is below 90 %: shut down the VMs matching label.tier=app and status=running on sim-rack-a, giving each 30 s to stop cleanly, then forcing off any still running."))
        let timer = try Paths.policyops(["explain", "--repo", Paths.exampleRepo, Paths.exampleRepo + "/policies/power/start-web-tier-on-mains.json"])
        #expect(timer.stdout.contains("2 min after the UPS returns to mains power: start VMs 104–108 on sim-rack-a."))
        #expect(timer.stdout.contains("(5 VMs)"))
    }

    @Test func explainRefusesAFileWithBlockers() throws {
        let dir = TemporaryDirectory()
        dir.write("policies/a.json", "{}")
        let r = try Paths.policyops(["explain", "policies/a.json"], directory: dir.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("PO2002"))
    }

    @Test func theCommittedSchemasAreTheGeneratedOnes() throws {
        for (kind, file) in [("policy", "policy-v1.schema.json"), ("host", "host-v1.schema.json"), ("config", "config-v1.schema.json")] {
            let r = try Paths.policyops(["schema", "--kind", kind])
            #expect(r.status == 0)
            let committed = try String(contentsOfFile: Paths.exampleRepo + "/" + file, encoding: .utf8)
            #expect(r.stdout == committed, "example-repo/\(file) is stale: run policyops schema --kind \(kind) > example-repo/\(file)")
            let schema = try json(r.stdout)
            #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        }
    }
}
