import Testing
import TestSupport
@testable import Git

@Suite struct RepositoryTests {
    @Test func resolvesAnyRevisionGitAccepts() throws {
        let fx = try GitFixture()
        fx.write("a.txt", "1")
        let first = try fx.commit("first")
        fx.write("a.txt", "2")
        let second = try fx.commit("second")
        try fx.git(["tag", "v1", first])
        fx.write("a.txt", "3")
        let third = try fx.commit("third")
        let repo = try Repository.discover(from: fx.path)
        #expect(try repo.resolveCommit("HEAD").hex == third)
        #expect(try repo.resolveCommit("HEAD~1").hex == second)
        #expect(try repo.resolveCommit("main~2").hex == first)
        #expect(try repo.resolveCommit("v1").hex == first)
        #expect(try repo.resolveCommit(String(second.prefix(10))).hex == second)
        #expect(try repo.firstParentHistory(from: repo.resolveCommit("HEAD")).map(\.hex) == [third, second, first])
        #expect(try repo.commit(repo.resolveCommit("HEAD")).summary == "third")
        #expect(throws: GitError.self) { try repo.resolveCommit("no-such-branch") }
    }

    @Test func discoversTheRepositoryFromASubfolder() throws {
        let fx = try GitFixture()
        fx.write("sub/dir/x.txt", "x")
        try fx.commit("c")
        let repo = try Repository.discover(from: fx.path + "/sub/dir")
        #expect(repo.workingDirectory?.hasSuffix("/") == true)
        let outside = TemporaryDirectory()
        #expect { try Repository.discover(from: outside.path) } throws: { ($0 as? GitError)?.kind == .notARepository }
    }

    @Test func listsFilesAndReadsBlobs() throws {
        let fx = try GitFixture()
        fx.write("p/a.json", "{}")
        fx.write("p/q/b.json", "[1]")
        fx.write("other/c.json", "x")
        try fx.git(["add", "-A"])
        try fx.git(["commit", "-q", "-m", "c"])
        try fx.git(["rm", "-q", "--cached", "other/c.json"])
        try ProcessRunner.tool("ln", ["-s", "a.json", fx.path + "/p/link.json"])
        try fx.commit("links")
        let repo = try Repository.discover(from: fx.path)
        let head = try repo.resolveCommit("HEAD")
        let tree = try #require(try repo.treeID(commit: head, path: "p"))
        let files = try repo.files(inTree: tree)
        #expect(files.map(\.path) == ["a.json", "link.json", "q/b.json"])
        #expect(files.map(\.kind) == [.file, .symlink, .file])
        #expect(try repo.blob(files[2].id) == Array("[1]".utf8))
        #expect(try repo.blobSize(files[2].id) == 3)
        #expect(try repo.treeID(commit: head, path: "missing") == nil)
    }

    @Test func reportsTreeChanges() throws {
        let fx = try GitFixture()
        fx.write("a.json", "1")
        fx.write("b.json", "1")
        let c1 = try fx.commit("one")
        fx.write("a.json", "2")
        fx.remove("b.json")
        fx.write("c.json", "1")
        let c2 = try fx.commit("two")
        let repo = try Repository.discover(from: fx.path)
        let t1 = try repo.commit(ObjectID(hex: c1)!).tree, t2 = try repo.commit(ObjectID(hex: c2)!).tree
        let changes = try repo.changes(from: t1, to: t2).sorted { $0.path < $1.path }
        #expect(changes.map(\.path) == ["a.json", "b.json", "c.json"])
        #expect(changes.map(\.kind) == [.modified, .deleted, .added])
    }

    @Test func findsTheCommitsAPushIntroduces() throws {
        let fx = try GitFixture()
        fx.write("a", "1")
        let base = try fx.commit("base")
        try fx.git(["checkout", "-q", "-b", "feature"])
        fx.write("a", "2")
        let f1 = try fx.commit("f1")
        fx.write("a", "3")
        let f2 = try fx.commit("f2")
        try fx.git(["checkout", "-q", "main"])
        let repo = try Repository.discover(from: fx.path)
        // With feature's ref hidden, nothing is new; with only main hidden, both feature commits are.
        let tip = ObjectID(hex: f2)!
        #expect(try repo.commitsIntroduced(by: [tip], hidingReferencesMatching: "refs/*").isEmpty)
        #expect(try repo.commitsIntroduced(by: [tip], hidingReferencesMatching: "refs/heads/m*").map(\.hex) == [f1, f2])
        #expect(try repo.commits(from: ObjectID(hex: base), to: tip).map(\.hex) == [f1, f2])
        #expect(try repo.isAncestor(ObjectID(hex: base)!, of: tip))
        #expect(try !repo.isAncestor(tip, of: ObjectID(hex: base)!))
    }

    @Test func readsTheIndexNotTheWorkingTree() throws {
        let fx = try GitFixture()
        fx.write("p/a.json", "staged")
        try fx.git(["add", "p/a.json"])
        fx.write("p/a.json", "working tree")
        let repo = try Repository.discover(from: fx.path)
        let staged = try repo.stagedFiles(under: "p/")
        #expect(staged.map(\.path) == ["a.json"])
        #expect(try repo.blob(staged[0].id) == Array("staged".utf8))
    }
}
