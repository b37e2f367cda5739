import Foundation
import Testing
import TestSupport

/// The pre-commit hook as the pre-commit framework runs it: from the repository's root, with
/// no `--path`, handed the staged file names or none (issue 8, item 16). It must never pass
/// a broken file because the policies live in a folder.
@Suite struct PreCommitDiscoveryTests {
    static let timer = "ops/policies/power/start-web-tier-on-mains.json"

    /// example-repo as `ops/` of a larger repository, with one policy broken and staged.
    func brokenUnderOps() throws -> GitFixture {
        let fx = try exampleInGit()
        let good = try #require(fx.directory.read(Self.timer))
        fx.write(Self.timer, good.replacingOccurrences(of: "\"2m\"", with: "\"2m2m\""))
        try fx.git(["add", Self.timer])
        return fx
    }

    func hook(_ fx: GitFixture, _ extra: [String]) throws -> ProcessResult {
        try Paths.policyops(["hook", "pre-commit"] + extra, directory: fx.path, environment: fx.environment())
    }

    @Test func withoutFileNamesTheFolderIsFound() throws {
        let fx = try brokenUnderOps()
        let r = try hook(fx, [])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("\(Self.timer):8:40: blocker PO2102"), "\(r.stdout)")
    }

    @Test func handedTheStagedFilesTheirFolderIsChecked() throws {
        let fx = try brokenUnderOps()
        let r = try hook(fx, [Self.timer])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("\(Self.timer):8:40: blocker PO2102"), "\(r.stdout)")
        #expect(r.stdout.contains("commit refused"))
    }

    @Test func aGoodCommitUnderAFolderPasses() throws {
        let fx = try exampleInGit()
        let r = try hook(fx, ["ops/policies/power/start-web-tier-on-mains.json", "ops/hosts/pve-1.json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let bare = try hook(fx, [])
        #expect(bare.status == 0, "\(bare.stdout)\(bare.stderr)")
    }

    @Test func aFileOutsideAnyPolicyRepositoryIsNamedAndFails() throws {
        let fx = try exampleInGit()
        // ops/policyops.json moves the policies to rules/: ops/policies/ is no longer read.
        fx.write("ops/policyops.json", #"{"policies": ["rules/**/*.json"]}"#)
        fx.write("ops/policies/stray.json", "{\"version\": 1,}")
        try fx.git(["add", "-A"])
        let r = try hook(fx, ["ops/policies/stray.json"])
        #expect(r.status != 0, "\(r.stdout)\(r.stderr)")
        #expect((r.stdout + r.stderr).contains("ops/policies/stray.json"))
        #expect((r.stdout + r.stderr).contains("not part of a policy repository"), "\(r.stdout)\(r.stderr)")
    }

    @Test func nothingToCheckIsSaidAndFails() throws {
        let fx = try GitFixture()
        fx.write("README.md", "no policies here")
        try fx.commit("docs")
        let r = try hook(fx, [])
        #expect(r.status != 0, "\(r.stdout)\(r.stderr)")
        #expect((r.stdout + r.stderr).contains("no policy repository"), "\(r.stdout)\(r.stderr)")
    }
}
