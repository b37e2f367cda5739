import Foundation
import Testing
import TestSupport
import Hashing
@testable import Policy
@testable import Store

/// Large manifests list their entries through content-addressed chunks (SPEC section 5):
/// a commit that changes one file writes one chunk, and a damaged chunk is found and rebuilt.
@Suite struct ManifestChunkTests {
    static let commitA = String(repeating: "a", count: 40)
    static let commitB = String(repeating: "b", count: 40)

    /// A manifest of `count` files (invalid ones: entries without IR are enough here);
    /// `note` changes the diagnostics of the file at `changing`.
    static func manifest(_ commit: String, count: Int, changing: Int? = nil, note: String = "x", extra: [String] = []) -> CommitManifest {
        var paths = (0..<count).map { String(format: "policies/team-%02d/p%05d.json", $0 % 17, $0) }
        paths += extra
        paths.sort()
        let policies = paths.enumerated().map { i, path in
            let message = i == changing ? note : "unreadable"
            let d = Diagnostic(code: .invalidSyntax, severity: .blocker, file: path, pointer: "", line: 1, column: 1, message: message)
            return PolicyEntry(analysis: PolicyFileAnalysis(path: path, diagnostics: [d], spec: nil, hash: nil, enabled: true, hostReference: nil,
                                                            capabilityReferences: [], nameReference: nil))
        }
        let compilation = RepositoryCompilation(settings: .standard, policies: policies, hosts: [], upsDeclarations: [], otherDiagnostics: [])
        return CommitManifest(commit: commit, repositoryPath: "", compilation: compilation, versions: [:])
    }

    func valid(_ read: StateDirectory.ManifestRead) -> JSON? {
        if case .valid(let json) = read { return json }
        return nil
    }

    @Test func aLargeManifestIsStoredInChunksAndReadBackWhole() throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let manifest = Self.manifest(Self.commitA, count: 2000)
        let written = try state.store(manifest, commit: Self.commitA)
        let file = try #require(try AtomicFile.read(state.manifestPath(commit: Self.commitA)))
        guard case .success(let top) = CommitManifest.unsealed(file) else { Issue.record("the top-level file fails its checksum"); return }
        let chunks = try #require(CommitManifest.chunkReferences(top))
        #expect(top["policies"] == nil && top["policy_count"] == .integer(2000) && top["manifest_version"] == .integer(2))
        #expect(chunks.count > 10 && chunks.count < 100, "\(chunks.count) chunks")
        #expect(written == chunks.count)
        // The top-level file is small: the entries live in the chunks.
        #expect(file.count < chunks.count * 80 + 1024, "\(file.count) bytes")
        let read = try #require(valid(try state.checkedManifest(commit: Self.commitA)))
        #expect(read.canonicalBytes == manifest.json.canonicalBytes)
    }

    @Test func aSmallManifestKeepsItsEntriesInline() throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let manifest = Self.manifest(Self.commitA, count: 5)
        #expect(try state.store(manifest, commit: Self.commitA) == 0)
        #expect(try AtomicFile.read(state.manifestPath(commit: Self.commitA)) == manifest.fileBytes)
        #expect(valid(try state.checkedManifest(commit: Self.commitA))?.canonicalBytes == manifest.json.canonicalBytes)
    }

    /// The cuts depend on the paths alone: a changed entry changes its own chunk, an added
    /// file at most the chunk it lands in and, when it is a cut itself, the next.
    /// (3,000 entries: the rule holds at any size past the threshold, and the test stays quick
    /// under ThreadSanitizer; the 10,000-policy figure is the benchmark's.)
    @Test(arguments: [false, true]) func aOneFileCommitWritesOneOrTwoChunks(adding: Bool) throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let before = Self.manifest(Self.commitA, count: 3_000)
        try state.store(before, commit: Self.commitA)
        let after = adding ? Self.manifest(Self.commitB, count: 3_000, extra: ["policies/team-03/new.json"])
                           : Self.manifest(Self.commitB, count: 3_000, changing: 1234, note: "changed")
        let written = try state.store(after, commit: Self.commitB)
        #expect(written >= 1 && written <= 2, "\(written) chunks written")
        let chunkBytes = after.stored().chunks.filter { !before.stored().chunks.contains($0) }.reduce(0) { $0 + $1.bytes.count }
        let top = try #require(try AtomicFile.read(state.manifestPath(commit: Self.commitB))).count
        // What the commit adds: well under the 64 KB the state may grow by (ledger aside).
        #expect(top + chunkBytes < 48 * 1024, "\(top) + \(chunkBytes) bytes")
        #expect(valid(try state.checkedManifest(commit: Self.commitB))?.canonicalBytes == after.json.canonicalBytes)
    }

    @Test func aDamagedOrMissingChunkIsReportedAndRebuilt() throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let manifest = Self.manifest(Self.commitA, count: 600)
        try state.store(manifest, commit: Self.commitA)
        let chunk = try #require(manifest.stored().chunks.dropFirst(2).first)
        let path = state.objects.path(for: chunk.address)
        chmod(path, 0o644)
        var bytes = chunk.bytes
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        guard case .damaged(let damaged, .chunkDamaged(let reference)) = try state.checkedManifest(commit: Self.commitA) else {
            Issue.record("a damaged chunk was not found"); return
        }
        #expect(damaged == path && reference == chunk.reference)
        // The CLI's readers see the same.
        guard case .damaged = try StateDirectory.checkedManifest(stateDirectory: state.root, commit: Self.commitA) else {
            Issue.record("the static reader missed the damage"); return
        }
        // Rebuilt from a compilation of the same commit (git, for the reconciler).
        #expect(try state.rebuild(manifest, commit: Self.commitA) == [path])
        #expect(valid(try state.checkedManifest(commit: Self.commitA))?.canonicalBytes == manifest.json.canonicalBytes)
        try FileManager.default.removeItem(atPath: path)
        guard case .damaged(_, .chunkMissing) = try state.checkedManifest(commit: Self.commitA) else {
            Issue.record("a missing chunk was not found"); return
        }
        #expect(try state.rebuild(manifest, commit: Self.commitA) == [path])
        #expect(valid(try state.checkedManifest(commit: Self.commitA)) != nil)
    }

    @Test func chunksNeverExceedTheirMaximum() {
        let chunking = ManifestChunking(inlineLimit: 0, averageChunk: 1 << 20, maximumChunk: 100)
        let (_, chunks) = Self.manifest(Self.commitA, count: 1000).stored(chunking)
        #expect(chunks.count == 10)
    }
}
