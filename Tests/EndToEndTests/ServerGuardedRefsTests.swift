import Foundation
import Testing
import TestSupport

/// The refs the pre-receive hook guards come from the server (`hook install --refs`);
/// the repository's `policyops.json` may narrow them, never widen or replace them.
@Suite(.serialized) struct ServerGuardedRefsTests {
    /// A push that rewrites `hook.refs` (valid on its own), then a push of a blocker to main.
    /// `refs` is the JSON array the first push writes; `install` the options of the install.
    @Test(arguments: [
        (#"["refs/heads/release/*"]"#, ["--refs", "refs/heads/main"]),
        (#"["refs/tags/*"]"#, ["--refs", "refs/heads/main"]),
        ("[]", ["--refs", "refs/heads/main"]),
        ("[]", []),
        // Installed without --refs: narrowing every branch to the release branches still
        // leaves the server's default branch (what its HEAD names) guarded.
        (#"["refs/heads/release/*"]"#, []),
        (#"["refs/heads/nothing", "refs/notes/*"]"#, ["--refs", "refs/heads/main,refs/heads/release/*"]),
    ])
    func theTwoPushAttackIsRejectedOnTheSecondPush(refs: String, install: [String]) throws {
        let rig = try PushRig(installOptions: install)
        rig.clone.write("policyops.json", #"{"hook": {"refs": \#(refs)}}"#)
        try rig.clone.commit("guard something else")
        let first = try rig.push()
        #expect(first.status == 0, "\(first.stderr)")
        let before = try rig.serverRef("main")
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("a blocker on main")
        let second = try rig.push()
        #expect(second.status != 0, "\(second.stderr)")
        #expect(second.stderr.contains("PO2101"))
        #expect(try rig.serverRef("main") == before)
    }

    /// The operator's configuration names the refs (hook.refs), recorded by install with
    /// --config: the repository cannot widen them, a ref outside them is not checked, and a
    /// configuration edited later takes effect at the next push without reinstalling.
    @Test func theOperatorsConfigurationNamesTheGuardedRefs() throws {
        let dir = TemporaryDirectory("hook-config")
        let config = dir.join("config.json")
        dir.write("config.json", #"{"hook": {"refs": ["refs/heads/main", "refs/heads/release/*"]}}"#)
        let rig = try PushRig(installOptions: ["--config", config])
        let hook = try String(contentsOfFile: rig.server.path + "/hooks/pre-receive", encoding: .utf8)
        #expect(hook.contains("--config '\(config)'"), "\(hook)")
        rig.clone.write("policyops.json", #"{"hook": {"refs": ["refs/heads/feature/*"]}}"#)
        try rig.clone.commit("try to guard something else")
        #expect(try rig.push().status == 0)
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("a blocker")
        let second = try rig.push()
        #expect(second.status != 0 && second.stderr.contains("hook.refs \"refs/heads/feature/*\" is not among the refs this server guards (refs/heads/main, refs/heads/release/*)"), "\(second.stderr)")
        #expect(try rig.push(["origin", "main:refs/heads/release/2"]).status != 0)
        #expect(try rig.push(["origin", "main:refs/heads/feature/x"]).status == 0, "outside the operator's refs")
        // The operator adds tests to the hook: not built yet, and the hook says so.
        dir.write("config.json", #"{"hook": {"refs": ["refs/heads/main"], "run_tests": true}}"#)
        let said = try rig.push(["origin", "main:refs/heads/release/3"])
        #expect(said.status == 0, "release/* is no longer guarded: \(said.stderr)")
        #expect(said.stderr.contains("hook.run_tests, but running the repository's tests in the hook is not implemented yet"), "\(said.stderr)")
        // A broken configuration stops every push (never a guard switched off by a typo).
        dir.write("config.json", #"{"hook": {"refs": "refs/heads/main"}}"#)
        let broken = try rig.push(["origin", "main:refs/heads/feature/y"])
        #expect(broken.status != 0 && broken.stderr.contains("the operator's configuration"), "\(broken.stderr)")
    }

    @Test func aPatternTheServerDoesNotGuardIsIgnoredWithAWarningNamingIt() throws {
        let rig = try PushRig(installOptions: ["--refs", "refs/heads/main"])
        rig.clone.write("policyops.json", #"{"hook": {"refs": ["refs/heads/release/*", "refs/heads/main"]}}"#)
        try rig.clone.commit("ask for more than the server guards")
        #expect(try rig.push().status == 0)
        rig.clone.write("README.md", "docs\n")
        try rig.clone.commit("docs")
        let r = try rig.push()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("remote: policyops: warning: policyops.json hook.refs \"refs/heads/release/*\" is not among the refs this server guards (refs/heads/main) and is ignored"), "\(r.stderr)")
        #expect(!r.stderr.contains("hook.refs \"refs/heads/main\""))
        // The ignored pattern guards nothing: a broken policy on a release branch passes.
        try rig.clone.git(["checkout", "-q", "-b", "release/1"])
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("broken on a release branch")
        let release = try rig.push(["origin", "release/1"])
        #expect(release.status == 0, "\(release.stderr)")
    }

    @Test func theRepositoryMayNarrowTheServersSet() throws {
        let rig = try PushRig(installOptions: ["--refs", "refs/heads/main,refs/heads/release/*"])
        rig.clone.write("policyops.json", #"{"hook": {"refs": ["refs/heads/main", "refs/heads/release/v2*"]}}"#)
        try rig.clone.commit("guard main and v2 releases only")
        #expect(try rig.push().status == 0)
        try rig.clone.git(["checkout", "-q", "-b", "release/v1"])
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("broken")
        // Narrowed away: release/v1 is no longer checked.
        let v1 = try rig.push(["origin", "release/v1"])
        #expect(v1.status == 0, "\(v1.stderr)")
        #expect(!v1.stderr.contains("warning"))
        // Still guarded: release/v2.0 and main.
        let v2 = try rig.push(["origin", "release/v1:refs/heads/release/v2.0"])
        #expect(v2.status != 0)
        #expect(v2.stderr.contains("PO2101"))
        let main = try rig.push(["origin", "release/v1:main"])
        #expect(main.status != 0)
        #expect(main.stderr.contains("PO2101"))
    }

    @Test func withoutRefsTheServerGuardsEveryBranchAndTheRepositoryCannotAddTags() throws {
        let rig = try PushRig()
        rig.clone.write("policyops.json", #"{"hook": {"refs": ["refs/tags/*"]}}"#)
        try rig.clone.commit("ask to guard tags instead of branches")
        #expect(try rig.push().status == 0)
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("broken")
        // Tags are not the server's to guard by default: the widening is ignored.
        try rig.clone.git(["tag", "-a", "-m", "t", "broken-tag"])
        let tag = try rig.push(["origin", "broken-tag"])
        #expect(tag.status == 0, "\(tag.stderr)")
        #expect(tag.stderr.contains("hook.refs \"refs/tags/*\" is not among the refs this server guards (refs/heads/*)"), "\(tag.stderr)")
        // Branches still are.
        let feature = try rig.push(["origin", "HEAD:refs/heads/feature"])
        #expect(feature.status != 0)
        #expect(feature.stderr.contains("PO2101"))
    }

    @Test func installRecordsTheRefsInTheHookScript() throws {
        let server = try GitFixture(bare: true)
        let r = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--refs", "refs/heads/main,refs/heads/release/*"])
        #expect(r.status == 0, "\(r.stderr)")
        let script = try String(contentsOfFile: server.path + "/hooks/pre-receive", encoding: .utf8)
        #expect(script.contains(" hook pre-receive --refs 'refs/heads/main,refs/heads/release/*'\n"), "\(script)")
        // The same refs again: nothing to change. Other refs: the script is rewritten.
        let again = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--refs=refs/heads/main,refs/heads/release/*"])
        #expect(again.stdout.contains("already installed"))
        let other = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--refs", "refs/heads/main"])
        #expect(other.status == 0)
        #expect(try String(contentsOfFile: server.path + "/hooks/pre-receive", encoding: .utf8).contains("--refs 'refs/heads/main'\n"))
    }

    @Test(arguments: ["", "heads/main", "refs/heads/main,", "refs/heads/../x", "refs/heads/a b", "refs/heads/main,,refs/tags/*"])
    func installRefusesAPatternThatIsNotARef(_ pattern: String) throws {
        let server = try GitFixture(bare: true)
        let r = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--refs", pattern])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("--refs"))
        #expect(!FileManager.default.fileExists(atPath: server.path + "/hooks/pre-receive"))
    }

    @Test func refsBelongToThePreReceiveHookOnly() throws {
        let server = try GitFixture(bare: true)
        let r = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--kind", "post-receive", "--refs", "refs/heads/main"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--refs"))
    }
}
