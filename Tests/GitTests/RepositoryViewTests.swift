import Foundation
import Testing
import TestSupport
import Policy
import Git
@testable import PolicyRepository

/// Policy texts against the hosts of example-repo.
enum Texts {
    static let simRack = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"

    static let host = """
    {"id": "\(simRack)", "name": "sim-rack-a", "driver": "sim",
     "connection": {"targets": [{"id": "vm:104", "name": "web-1", "state": "running"}]}}
    """

    static func policy(name: String = "shutdown-web", priority: Int = 10, value: String = "104-106") -> String {
        """
        {"version": 1, "name": "\(name)", "priority": \(priority),
         "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "\(simRack)", "target_type": "vm", "selector": {"mode": "list", "value": "\(value)"}},
         "actions": [{"capability_id": "sim.vm", "verb": "shutdown"}]}
        """
    }
}

@Suite struct RepositoryViewTests {
    @Test func aPolicyRepositoryInsideALargerGitRepository() throws {
        let fx = try GitFixture()
        fx.write("README", "project")
        fx.write("ops/hosts/h.json", Texts.host)
        fx.write("ops/policies/a.json", Texts.policy())
        fx.write("policies/not-ours.json", "{")
        let c1 = try fx.commit("one")
        let view = try RepositoryView.open(fx.path + "/ops", requireGit: true)
        #expect(view.prefix == "ops/")
        let snapshot = try view.snapshot(at: view.resolve("HEAD"))
        #expect(snapshot.files.map(\.path).sorted() == ["hosts/h.json", "policies/a.json"])
        #expect(snapshot.files.allSatisfy { $0.blobID != nil })
        let compilation = SnapshotCompiler().compile(snapshot)
        #expect(!compilation.hasBlocker)
        #expect(compilation.policies.map(\.status) == [.compiled])

        fx.write("ops/policies/a.json", Texts.policy(value: "10-5"))
        let working = SnapshotCompiler().compile(try view.workingTreeSnapshot())
        #expect(working.policies[0].diagnostics.map(\.code) == [.reversedRange])
        // The commit still holds the good file.
        #expect(!SnapshotCompiler().compile(try view.snapshot(at: try view.resolve(c1))).hasBlocker)
    }

    @Test func aFolderOutsideGitWorksForTheWorkingTreeOnly() throws {
        let dir = TemporaryDirectory()
        dir.write("hosts/h.json", Texts.host)
        dir.write("policies/a.json", Texts.policy())
        let view = try RepositoryView.open(dir.path, requireGit: false)
        #expect(view.git == nil)
        #expect(SnapshotCompiler().compile(try view.workingTreeSnapshot()).policies.count == 1)
        #expect(throws: RepositoryError.self) { try RepositoryView.open(dir.path, requireGit: true) }
    }

    @Test func settingsChooseTheFolders() throws {
        let fx = try GitFixture()
        fx.write("policyops.json", #"{"policies": ["rules/**/*.json"], "hosts": ["inventory/*.json"]}"#)
        fx.write("inventory/h.json", Texts.host)
        fx.write("rules/x/a.json", Texts.policy())
        fx.write("policies/ignored.json", "{")
        try fx.commit("c")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        for snapshot in [try view.workingTreeSnapshot(), try view.snapshot(at: try view.resolve("HEAD"))] {
            let c = SnapshotCompiler().compile(snapshot)
            #expect(c.policies.map(\.path) == ["rules/x/a.json"])
            #expect(!c.hasBlocker)
        }
    }

    @Test func theIndexSnapshotHoldsWhatIsStaged() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/a.json", Texts.policy(value: "9-1"))
        try fx.git(["add", "-A"])
        fx.write("policies/a.json", Texts.policy())
        let view = try RepositoryView.open(fx.path, requireGit: true)
        #expect(SnapshotCompiler().compile(try view.indexSnapshot()).hasBlocker)
        #expect(!SnapshotCompiler().compile(try view.workingTreeSnapshot()).hasBlocker)
    }

    @Test func oversizedBlobsAreReportedWithoutBeingRead() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/big.json", String(repeating: " ", count: (1 << 20) + 10) + "{}")
        try fx.commit("big")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let c = SnapshotCompiler().compile(try view.snapshot(at: try view.resolve("HEAD")))
        #expect(c.policies[0].diagnostics.map(\.code) == [.fileTooLarge])
    }
}

@Suite struct VersionHistoryTests {
    @Test func versionsGrowWhenTheNormalizedSpecChanges() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/a.json", Texts.policy())
        fx.write("policies/b.json", Texts.policy(name: "other"))
        try fx.commit("1: a v1, b v1")
        fx.write("policies/a.json", Texts.policy(value: "104,105,106"))       // same normalized spec
        try fx.commit("2: a reformatted")
        fx.write("policies/a.json", Texts.policy(priority: 11))
        try fx.commit("3: a v2")
        fx.write("policies/a.json", Texts.policy(value: "9-1"))               // invalid: does not count
        try fx.commit("4: a broken")
        fx.write("policies/a.json", Texts.policy(priority: 12))
        fx.remove("policies/b.json")
        try fx.commit("5: a v3, b removed")
        fx.write("policies/b.json", Texts.policy(name: "other", priority: 3))
        fx.write("policies/c.json", Texts.policy(name: "third"))
        try fx.commit("6: b back changed (v2), c v1")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: MemoryAnalysisCache()))
        #expect(try history.versions(at: view.resolve("HEAD~5")) == ["policies/a.json": 1, "policies/b.json": 1])
        #expect(try history.versions(at: view.resolve("HEAD~4")) == ["policies/a.json": 1, "policies/b.json": 1])
        #expect(try history.versions(at: view.resolve("HEAD~3")) == ["policies/a.json": 2, "policies/b.json": 1])
        #expect(try history.versions(at: view.resolve("HEAD~2")) == ["policies/b.json": 1])
        #expect(try history.versions(at: view.resolve("HEAD~1")) == ["policies/a.json": 3])
        #expect(try history.versions(at: view.resolve("HEAD")) == ["policies/a.json": 3, "policies/b.json": 2, "policies/c.json": 1])
    }

    @Test func onlyTheFirstParentCounts() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/a.json", Texts.policy())
        try fx.commit("base")
        try fx.git(["checkout", "-q", "-b", "topic"])
        fx.write("policies/a.json", Texts.policy(priority: 20))
        try fx.commit("topic 1")
        fx.write("policies/a.json", Texts.policy(priority: 30))
        try fx.commit("topic 2")
        try fx.git(["checkout", "-q", "main"])
        try fx.git(["merge", "-q", "--no-ff", "-m", "merge topic", "topic"])
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: MemoryAnalysisCache()))
        #expect(try history.versions(at: view.resolve("main")) == ["policies/a.json": 2])
        #expect(try history.versions(at: view.resolve("topic")) == ["policies/a.json": 3])
    }

    @Test func changedDefaultsChangeEverySpec() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/a.json", Texts.policy())
        try fx.commit("one")
        fx.write("policyops.json", #"{"defaults": {"suppression_window": "1m"}}"#)
        try fx.commit("defaults")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let history = VersionHistory(view: view, compiler: SnapshotCompiler(cache: MemoryAnalysisCache()))
        #expect(try history.versions(at: view.resolve("HEAD")) == ["policies/a.json": 2])
    }
}

@Suite struct ManifestBytesTests {
    /// The manifest written directly is byte for byte the canonical form of its JSON, for
    /// the whole fixture corpus: valid and invalid files, diagnostics with quotes, control
    /// characters and non-ASCII text, hosts and UPSes.
    @Test func directBytesAreTheCanonicalJSON() throws {
        let root = Paths.packageRoot + "/Tests/EndToEndTests/Fixtures/corpus"
        let view = try RepositoryView.open(root, requireGit: false)
        let compilation = SnapshotCompiler().compile(try view.workingTreeSnapshot())
        #expect(compilation.hasBlocker && compilation.policies.count > 150 && !compilation.hosts.isEmpty)
        let manifest = CommitManifest(commit: String(repeating: "c", count: 40), repositoryPath: "sub/dir \"quoted\"", compilation: compilation,
                                      versions: Dictionary(uniqueKeysWithValues: compilation.policies.map { ($0.path, 3) }))
        #expect(manifest.canonicalBytes == manifest.json.canonicalBytes)
        #expect(manifest.entries.contains { !$0.diagnostics.isEmpty } && manifest.entries.contains { $0.ir != nil })
        // And every entry reads back from its JSON.
        let parsed = try #require(JSON.parse(manifest.canonicalBytes))
        #expect((parsed["policies"]?.arrayValue ?? []).compactMap(ManifestEntry.init(json:)) == manifest.entries)
    }
}

@Suite struct IncrementalManifestTests {
    /// One session compiling commit after commit (checking only what changed, reusing the
    /// entries that did not) gives the same compilations and writes the same manifests,
    /// byte for byte, as a fresh session for each commit: edits, a rename, a new file, a
    /// duplicate name and a duplicate spec that put diagnostics on files that did not
    /// change, their removal, a blocker and its fix, a spec going back to an earlier
    /// content, host and settings changes, an ignored file, and a rewind.
    @Test func incrementalCompilationIsCompilationFromScratch() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        for i in 0..<6 { fx.write("policies/p\(i).json", Texts.policy(name: "policy-\(i)", value: "10\(i)")) }
        var commits: [(String, Bool)] = [(try fx.commit("start"), false)]
        func step(_ message: String, incremental: Bool = true, _ change: () -> Void) throws {
            change()
            commits.append((try fx.commit(message), incremental))
        }
        try step("edit p1") { fx.write("policies/p1.json", Texts.policy(name: "policy-1", value: "201")) }
        try step("rename p2") {
            fx.remove("policies/p2.json")
            fx.write("policies/renamed.json", Texts.policy(name: "policy-2", value: "102"))
        }
        try step("a duplicate name: a diagnostic on p3 too") { fx.write("policies/p6.json", Texts.policy(name: "policy-3", value: "106")) }
        try step("a duplicate spec: p4 and its copy") { fx.write("policies/p4-copy.json", Texts.policy(name: "policy-4", value: "104")) }
        try step("the copy goes") { fx.remove("policies/p4-copy.json") }
        try step("a blocker") { fx.write("policies/p6.json", Texts.policy(name: "policy-6", value: "10-5")) }
        try step("fixed") { fx.write("policies/p6.json", Texts.policy(name: "policy-6", value: "106")) }
        try step("p1 back to what it was") { fx.write("policies/p1.json", Texts.policy(name: "policy-1", value: "101")) }
        try step("a host changes", incremental: false) { fx.write("hosts/h.json", Texts.host.replacingOccurrences(of: "web-1", with: "web-one")) }
        try step("an ignored file", incremental: false) { fx.write("policies/README.txt", "notes") }
        try step("settings", incremental: false) { fx.write("policyops.json", #"{"defaults": {"suppression_window": "10m"}}"#) }
        try step("edit p5 under the new settings") { fx.write("policies/p5.json", Texts.policy(name: "policy-5", value: "205")) }
        try step("outside the policy folders") { fx.write("docs/notes.md", "unrelated") }
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let session = CompileSession(view: view)
        let checker = CommitChecker(view: view, cache: MemoryAnalysisCache())
        var checked: CommitChecker.Checked?
        var sawCrossFileDiagnostic = false
        // Forward, then a rewind to the middle and forward again.
        let order = commits + Array(commits[3...])
        for (n, (hex, incremental)) in order.enumerated() {
            let id = try view.resolve(hex)
            let fresh = try CompileSession(view: try RepositoryView.open(fx.path, requireGit: true)).compile(id)
            let result = try session.compile(id)
            #expect(result.manifest.canonicalBytes == fresh.manifest.canonicalBytes, "\(hex)")
            #expect(result.compilation.diagnostics == fresh.compilation.diagnostics, "\(hex)")
            #expect(result.manifest.objects.map(\.address).sorted() == fresh.manifest.objects.map(\.address).sorted())
            #expect(result.manifest.compiledPolicies.keys.sorted() == fresh.manifest.compiledPolicies.keys.sorted())
            sawCrossFileDiagnostic = sawCrossFileDiagnostic || result.manifest.entries.contains { $0.diagnostics.contains { $0.code == .duplicatePolicyName } }
            // The checker alone: incremental exactly when only policy files changed.
            let (compilation, next, changed) = try checker.check(id, after: checked)
            checked = next
            #expect(compilation.diagnostics == fresh.compilation.diagnostics, "\(hex)")
            // The first has nothing to start from; the rewind crosses host and settings changes.
            #expect((changed != nil) == (n > 0 && n != commits.count && incremental), "\(n) \(hex)")
        }
        #expect(sawCrossFileDiagnostic)
    }
}
