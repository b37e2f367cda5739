import Foundation
import Testing
import TestSupport

/// A bare repository with PolicyOps' hook installed and a clone that pushes to it, all
/// with the real git.
final class PushRig: @unchecked Sendable {
    let server: GitFixture
    let clone: GitFixture
    let cloneDirectory: TemporaryDirectory

    init(kinds: [String] = ["pre-receive"], installOptions: [String] = [], seed: Bool = true) throws {
        server = try GitFixture(bare: true)
        for kind in kinds {
            let r = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--kind", kind] + installOptions)
            guard r.status == 0 else { throw FixtureError("install failed: \(r.stderr)") }
        }
        cloneDirectory = TemporaryDirectory("clone")
        try ProcessRunner.tool("git", ["clone", "-q", server.path, cloneDirectory.path], environment: server.environment())
        clone = GitFixture(existing: cloneDirectory)
        if seed {
            try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", Paths.exampleRepo + "/ups", clone.path])
            try clone.commit("initial policies")
            let r = try push()
            guard r.status == 0 else { throw FixtureError("seed push failed: \(r.stderr)") }
        }
    }

    /// `git push` with what it printed.
    func push(_ arguments: [String] = ["origin", "main"]) throws -> ProcessResult {
        try ProcessRunner.tool("git", ["push"] + arguments, directory: clone.path, environment: clone.environment())
    }

    func serverRef(_ ref: String) throws -> String? {
        let r = try ProcessRunner.tool("git", ["rev-parse", "--verify", "-q", ref], directory: server.path, environment: server.environment())
        return r.status == 0 ? r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    func edit(_ path: String, _ transform: (String) -> String) {
        clone.write(path, transform(clone.directory.read(path)!))
    }
}

let startTimer = "policies/power/start-web-tier-on-mains.json"

@Suite(.serialized) struct PreReceiveTests {
    @Test func aGoodPushIsAccepted() throws {
        let rig = try PushRig()
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"3m\"") }
        let head = try rig.clone.commit("wait longer")
        let r = try rig.push()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("remote: policyops: 1 commit on main checked: no blockers"))
        #expect(try rig.serverRef("main") == head)
    }

    @Test func aBadMiddleCommitRejectsTheWholePushAndIsNamed() throws {
        let rig = try PushRig()
        let before = try rig.serverRef("main")
        rig.edit("policies/power/cut-poe-on-low-battery.json") { $0.replacingOccurrences(of: "\"priority\": 5", with: "\"priority\": 4") }
        try rig.clone.commit("first: fine")
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2m2m\"") }
        let bad = try rig.clone.commit("second: broken timer")
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m2m\"", with: "\"2m\"") }
        try rig.clone.commit("third: fixed again")
        let r = try rig.push()
        #expect(r.status != 0)
        #expect(r.stderr.contains("remote: policyops: push rejected: 1 of 3 commits on main has blockers"))
        #expect(r.stderr.contains("remote: \(bad.prefix(7)) \"second: broken timer\": 1 blocker"))
        #expect(r.stderr.contains("remote:   \(startTimer):8:40: PO2102 at /trigger_group/triggers/0/after: "))
        #expect(r.stderr.contains("pre-receive hook declined"))
        #expect(!r.stderr.contains("first: fine\""))
        #expect(try rig.serverRef("main") == before)
    }

    @Test func newBranchesDeletionsAndTags() throws {
        let rig = try PushRig()
        try rig.clone.git(["checkout", "-q", "-b", "feature"])
        rig.clone.write("policies/extra.json", "{\"version\": 1}")
        try rig.clone.commit("incomplete policy on a branch")
        let rejected = try rig.push(["origin", "feature"])
        #expect(rejected.status != 0)
        #expect(rejected.stderr.contains("PO2002"))
        // The rejected commit would still be in the next push: replace it.
        rig.clone.remove("policies/extra.json")
        rig.clone.write("README.md", "feature work\n")
        try rig.clone.git(["add", "-A"])
        try rig.clone.git(["commit", "-q", "--amend", "-m", "feature work"])
        let fixed = try rig.push(["origin", "feature"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        // A new branch at a commit the server has: nothing new, still checked and fine.
        try rig.clone.git(["branch", "copy", "main"])
        let copy = try rig.push(["origin", "copy"])
        #expect(copy.status == 0, "\(copy.stderr)")
        // Deleting a branch is allowed.
        let deletion = try rig.push(["origin", "--delete", "feature"])
        #expect(deletion.status == 0, "\(deletion.stderr)")
        #expect(try rig.serverRef("refs/heads/feature") == nil)
        // Tags are not guarded by default.
        try rig.clone.git(["tag", "-a", "-m", "release", "v1"])
        #expect(try rig.push(["origin", "v1"]).status == 0)
    }

    @Test func forcePushes() throws {
        let rig = try PushRig()
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"3m\"") }
        try rig.clone.commit("three minutes")
        #expect(try rig.push().status == 0)
        try rig.clone.git(["reset", "-q", "--hard", "HEAD~1"])
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 1, \"version\": 1") }
        try rig.clone.commit("rewritten, with a duplicate key")
        let bad = try rig.push(["-f", "origin", "main"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("PO1003"))
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"version\": 1, \"version\": 1", with: "\"version\": 1") }
        try rig.clone.git(["add", "-A"])
        try rig.clone.git(["commit", "-q", "--amend", "--allow-empty", "-m", "rewritten properly"])
        let good = try rig.clone.git(["rev-parse", "HEAD"])
        let r = try rig.push(["-f", "origin", "main"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try rig.serverRef("main") == good)
    }

    @Test func aPushThatTouchesNoPolicy() throws {
        let rig = try PushRig()
        rig.clone.write("README.md", "# our power policies\n")
        try rig.clone.commit("docs")
        let r = try rig.push()
        #expect(r.status == 0)
        #expect(r.stderr.contains("no blockers"))
    }

    @Test func aCorruptCacheIsRebuiltNotTrusted() throws {
        let rig = try PushRig()
        let cache = rig.server.path + "/policyops/analysis-cache"
        let good = try #require(try? String(contentsOfFile: cache, encoding: .utf8))
        #expect(good.hasPrefix("policyops-analysis-cache 3\n"))
        // Claim that every blob is valid with no diagnostics, but with a wrong checksum.
        let forged = good.split(separator: "\n").map { line -> String in
            guard line.count > 17, !line.hasPrefix("policyops-") else { return String(line) }
            return "0000000000000000" + line.dropFirst(16)
        }.joined(separator: "\n")
        try forged.write(toFile: cache, atomically: false, encoding: .utf8)
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2 minutes\"") }
        try rig.clone.commit("bad duration")
        let bad = try rig.push()
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("PO2101"))
        // Garbage instead of a cache.
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: cache))
        #expect(try rig.push().status != 0)
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2 minutes\"", with: "\"2m\"") }
        try rig.clone.git(["add", "-A"])
        try rig.clone.git(["commit", "-q", "--amend", "--allow-empty", "-m", "fixed"])
        let fixed = try rig.push()
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let rebuilt = try String(contentsOfFile: cache, encoding: .utf8)
        #expect(rebuilt.hasPrefix("policyops-analysis-cache 3\n"))
    }

    @Test func twoPushesAtOnce() async throws {
        let rig = try PushRig()
        let second = TemporaryDirectory("clone2")
        try ProcessRunner.tool("git", ["clone", "-q", rig.server.path, second.path], environment: rig.server.environment())
        let other = GitFixture(existing: second)
        try rig.clone.git(["checkout", "-q", "-b", "a"])
        try other.git(["checkout", "-q", "-b", "b"])
        for i in 0..<20 {
            rig.clone.write("policies/a\(i).json", rig.clone.directory.read(startTimer)!.replacingOccurrences(of: "start-web-tier-on-mains", with: "a-\(i)").replacingOccurrences(of: "104-108", with: "\(200 + i)"))
            other.write("policies/b\(i).json", other.directory.read(startTimer)!.replacingOccurrences(of: "start-web-tier-on-mains", with: "b-\(i)").replacingOccurrences(of: "104-108", with: "\(300 + i)"))
        }
        try rig.clone.commit("twenty a")
        try other.commit("twenty b")
        let pushes: [(String, String, [String: String])] = [(rig.clone.path, "a", rig.clone.environment()), (other.path, "b", other.environment())]
        let results = await withTaskGroup(of: ProcessResult?.self) { group in
            for (path, branch, env) in pushes {
                group.addTask { try? ProcessRunner.tool("git", ["push", "origin", branch], directory: path, environment: env) }
            }
            var out: [ProcessResult?] = []
            for await r in group { out.append(r) }
            return out
        }
        #expect(results.allSatisfy { $0?.status == 0 }, "\(results.map { $0?.stderr ?? "" })")
        // The cache is still sound: a third push reads it and rejects a real mistake.
        try rig.clone.git(["checkout", "-q", "main"])
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"-2m\"") }
        try rig.clone.commit("negative")
        #expect(try rig.push().status != 0)
    }

    @Test func gitlabPrefix() throws {
        let rig = try PushRig(installOptions: ["--gitlab"])
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2h1h\"") }
        try rig.clone.commit("order")
        let r = try rig.push()
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("remote: ") && $0.count > 9 }
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("remote: GL-HOOK-ERR: ") }, "\(lines)")
    }

    @Test func aPolicyFolderInsideTheRepository() throws {
        let rig = try PushRig(installOptions: ["--path", "ops"], seed: false)
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo, rig.clone.path + "/ops"])
        rig.clone.write("policies/not-ours.json", "{")
        try rig.clone.commit("policies under ops/")
        let r = try rig.push()
        #expect(r.status == 0, "\(r.stderr)")
        rig.edit("ops/" + startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("bad")
        let bad = try rig.push()
        #expect(bad.stderr.contains("remote:   ops/\(startTimer):8:40: PO2101"))
    }

    @Test func tenThousandPolicies() throws {
        let rig = try PushRig(seed: false)
        let generator = Paths.packageRoot + "/bench/gen_corpus.py"
        let corpus = TemporaryDirectory("corpus")
        try ProcessRunner.tool("python3", [generator, "10000", corpus.join("c")])
        try ProcessRunner.tool("cp", ["-R", corpus.join("c/policies"), corpus.join("c/hosts"), rig.clone.path])
        try rig.clone.commit("10,000 policies")
        let r = try rig.push()
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        rig.clone.write("policies/g000/p000000.json", "{}")
        try rig.clone.commit("one broken file among 10,000")
        let bad = try rig.push()
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("policies/g000/p000000.json:1:1: PO2002"))
    }
}

@Suite(.serialized) struct HookInstallTests {
    @Test func installIsIdempotentAndMatchesTheShippedScripts() throws {
        let server = try GitFixture(bare: true)
        for kind in ["pre-receive", "pre-commit", "post-receive"] {
            let first = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--kind", kind])
            #expect(first.status == 0)
            let installed = try String(contentsOfFile: server.path + "/hooks/" + kind, encoding: .utf8)
            let second = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--kind", kind])
            #expect(second.status == 0)
            #expect(second.stdout.contains("already installed"))
            #expect(try String(contentsOfFile: server.path + "/hooks/" + kind, encoding: .utf8) == installed)
            let shipped = try String(contentsOfFile: Paths.packageRoot + "/hooks/" + kind, encoding: .utf8)
            let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            _ = binary
            let rendered = shipped.replacingOccurrences(of: " @ARGS@", with: "")
            let installedShape = installed.replacingOccurrences(of: #"'[^']*policyops'"#, with: "'@POLICYOPS@'", options: .regularExpression)
            #expect(installedShape == rendered)
            let attributes = try FileManager.default.attributesOfItem(atPath: server.path + "/hooks/" + kind)
            #expect((attributes[.posixPermissions] as? Int ?? 0) & 0o111 == 0o111)
        }
    }

    @Test func aForeignHookIsNeverSilentlyOverwritten() throws {
        let server = try GitFixture(bare: true)
        try FileManager.default.createDirectory(atPath: server.path + "/hooks", withIntermediateDirectories: true)
        let foreign = "#!/bin/sh\necho other checks\n"
        try foreign.write(toFile: server.path + "/hooks/pre-receive", atomically: true, encoding: .utf8)
        let refused = try Paths.policyops(["hook", "install", "--git-dir", server.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("not PolicyOps' hook"))
        #expect(try String(contentsOfFile: server.path + "/hooks/pre-receive", encoding: .utf8) == foreign)
        let forced = try Paths.policyops(["hook", "install", "--git-dir", server.path, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: server.path + "/hooks/pre-receive.before-policyops", encoding: .utf8) == foreign)
        #expect(try String(contentsOfFile: server.path + "/hooks/pre-receive", encoding: .utf8).contains("policyops:pre-receive"))
    }

    @Test func installNeedsAGitDirectory() throws {
        let plain = TemporaryDirectory()
        let r = try Paths.policyops(["hook", "install", "--git-dir", plain.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("not a git directory"))
        #expect(try Paths.policyops(["hook", "install"]).status == 2)
        let outside = try Paths.policyops(["hook", "pre-receive"], directory: plain.path, environment: ["PATH": "/usr/bin:/bin"], input: Data())
        #expect(outside.status == 2)
        #expect(outside.stderr.contains("hook environment"))
    }
}

@Suite(.serialized) struct PreCommitAndPostReceiveTests {
    func repoWithHook() throws -> GitFixture {
        let fx = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", fx.path])
        try fx.commit("initial")
        let r = try Paths.policyops(["hook", "install", "--git-dir", fx.path + "/.git", "--kind", "pre-commit"])
        guard r.status == 0 else { throw FixtureError(r.stderr) }
        return fx
    }

    func commit(_ fx: GitFixture, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.tool("git", ["commit", "-q"] + arguments, directory: fx.path, environment: fx.environment())
    }

    @Test func theStagedFileIsCheckedNotTheWorkingTree() throws {
        let fx = try repoWithHook()
        let good = fx.directory.read(startTimer)!
        fx.write(startTimer, good.replacingOccurrences(of: "\"2m\"", with: "\"2m2m\""))
        try fx.git(["add", startTimer])
        fx.write(startTimer, good)  // fixed in the working tree, not staged
        let refused = try commit(fx, ["-m", "staged is broken"])
        #expect(refused.status != 0)
        // git shows a pre-commit hook's output on standard error.
        #expect(refused.stderr.contains("\(startTimer):8:40: blocker PO2102"))
        #expect(refused.stderr.contains("commit refused"))
        try fx.git(["add", startTimer])
        let accepted = try commit(fx, ["--allow-empty", "-m", "staged is fine"])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
    }

    @Test func aCommitOfNamedPathsChecksWhatItCommits() throws {
        let fx = try repoWithHook()
        let good = fx.directory.read(startTimer)!
        fx.write(startTimer, good.replacingOccurrences(of: "\"2m\"", with: "\"30m1h\""))
        // `git commit PATH` commits the working-tree copy through a temporary index.
        let refused = try commit(fx, ["-m", "via path", startTimer])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("PO2102"))
    }

    @Test func postReceiveIsHarmlessWithoutAReconcilerAndWakesOneThatListens() throws {
        let rig = try PushRig(kinds: ["pre-receive", "post-receive"])
        rig.clone.write("README.md", "x")
        try rig.clone.commit("docs")
        let quiet = try rig.push()
        #expect(quiet.status == 0)
        #expect(!quiet.stderr.contains("error"))
        // A reconciler registers its state directory and listens on its nudge FIFO.
        let state = TemporaryDirectory("state")
        try FileManager.default.createDirectory(atPath: rig.server.path + "/policyops", withIntermediateDirectories: true)
        try (state.path + "\n").write(toFile: rig.server.path + "/policyops/watchers", atomically: true, encoding: .utf8)
        #expect(mkfifo(state.join("nudge"), 0o600) == 0)
        let reader = open(state.join("nudge"), O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        rig.clone.write("README.md", "y")
        try rig.clone.commit("docs again")
        let woke = try rig.push()
        #expect(woke.status == 0)
        #expect(woke.stderr.contains("woke the reconciler of \(state.path)"))
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) == 1)
    }
}

@Suite(.serialized) struct HookSettingsTests {
    @Test func theRootSettingsNameTheFolderAndTheGuardedRefs() throws {
        let rig = try PushRig(seed: false)
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo, rig.clone.path + "/ops"])
        rig.clone.write("policyops.json", #"{"hook": {"path": "ops", "refs": ["refs/heads/main"]}}"#)
        try rig.clone.commit("policies under ops/, only main guarded")
        #expect(try rig.push().status == 0)
        // A broken policy on another branch passes: only main is guarded.
        try rig.clone.git(["checkout", "-q", "-b", "scratch"])
        rig.edit("ops/" + startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("scratch work")
        let scratch = try rig.push(["origin", "scratch"])
        #expect(scratch.status == 0, "\(scratch.stderr)")
        // The same commit on main is checked in ops/ and refused.
        let main = try rig.push(["origin", "scratch:main"])
        #expect(main.status != 0)
        #expect(main.stderr.contains("ops/\(startTimer):8:40: PO2101"))
    }

    @Test func aPushCannotLoosenItsOwnCheck() throws {
        let rig = try PushRig()
        rig.clone.write("policyops.json", #"{"hook": {"refs": ["refs/heads/nothing"]}}"#)
        rig.edit(startTimer) { $0.replacingOccurrences(of: "\"2m\"", with: "\"2x\"") }
        try rig.clone.commit("unguard main and break a policy")
        let r = try rig.push()
        #expect(r.status != 0)
        #expect(r.stderr.contains("PO2101"))
    }
}
