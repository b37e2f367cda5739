import Foundation
import Git
import PolicyRepository
import Testing
import TestSupport

/// A repository error keeps the kind of the git error under it, not only its words.
@Suite struct RepositoryErrorTests {
    @Test func aFolderOutsideGitKeepsGitsKind() throws {
        let dir = TemporaryDirectory()
        let error = try #require(throws: RepositoryError.self) { try RepositoryView.open(dir.path, requireGit: true) }
        #expect(error.code == .git(.notARepository))
        let git = try #require(error.underlying as? GitError)
        #expect(git.kind == .notARepository)
        #expect(error.message == git.message)
    }

    @Test func anUnknownRevisionKeepsGitsKind() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", "{}")
        _ = try fx.commit("first")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let error = try #require(throws: RepositoryError.self) { try view.resolve("no-such-branch") }
        #expect(error.code == .git(.notFound) || error.code == .git(.invalidRevision))
        #expect(error.underlying is GitError)
    }

    @Test func aMissingFolderIsTheFoldersFault() throws {
        let dir = TemporaryDirectory()
        let error = try #require(throws: RepositoryError.self) { try RepositoryView.open(dir.join("missing"), requireGit: false) }
        #expect(error.code == .unusableFolder)
        #expect(error.underlying == nil)
    }
}
