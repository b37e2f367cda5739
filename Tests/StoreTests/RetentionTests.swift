import Foundation
import Testing
import TestSupport
import Hashing
@testable import Policy
@testable import Store

/// The retention of the state directory (SPEC section 10): old manifests, objects no kept
/// manifest names, and old ledger segments behind a checkpoint that `--verify` starts from.
@Suite struct RetentionTests {
    static let now: Int64 = 1_800_000_000

    func commit(_ c: Character) -> String { String(repeating: c, count: 40) }

    /// Writes a manifest naming `objects` as IR, last modified `age` seconds before `now`.
    func writeManifest(_ root: String, _ commit: String, objects: [StoredObject], age: Int64) throws {
        let manifest = JSON.object(["commit": .string(commit), "manifest_version": .integer(1),
                                    "policies": .array(objects.map { .object(["path": .string("p"), "policy_id": .string("p"), "status": .string("compiled"), "ir": .string($0.reference)]) }),
                                    "hosts": .array([]), "ups": .array([])])
        try AtomicFile.makeFolders(root + "/commits")
        let path = "\(root)/commits/\(commit).json"
        try AtomicFile.write(CommitManifest.sealed(manifest.canonicalBytes), to: path)
        try setAge(path, age)
    }

    func setAge(_ path: String, _ age: Int64) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(Self.now - age))], ofItemAtPath: path)
    }

    @Test func oldManifestsAndTheObjectsOnlyTheyNameAreRemoved() throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        let store = ContentAddressedStore(root: root)
        let shared = StoredObject(.string("shared")), old = StoredObject(.string("old")), newest = StoredObject(.string("newest"))
        let applied = StoredObject(.string("applied")), orphan = StoredObject(.string("orphan")), fresh = StoredObject(.string("fresh"))
        try store.put([shared, old, newest, applied, orphan, fresh])
        for o in [shared, old, newest, applied, orphan] { try setAge(store.path(for: o.address), 86_400) }
        try setAge(store.path(for: fresh.address), 60)
        try writeManifest(root, commit("a"), objects: [shared, applied], age: 4000)  // applied: kept however old
        try writeManifest(root, commit("b"), objects: [shared, old], age: 3000)
        try writeManifest(root, commit("c"), objects: [shared, newest], age: 10)
        try AtomicFile.write(commit("a"), to: root + "/applied")
        let plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(manifests: 1), now: Self.now)
        #expect(plan.manifests == ["\(root)/commits/\(commit("b")).json"])
        // `fresh` was written less than the grace period ago: a compile may be about to name it.
        #expect(Set(plan.objects) == [store.path(for: old.address), store.path(for: orphan.address)])
        #expect(plan.keptManifests == 2 && plan.keptObjects == 4)
        // A dry run removes nothing.
        #expect(AtomicFile.exists(plan.manifests[0]))
        try StateRetention.apply(plan, stateDirectory: root)
        #expect(!AtomicFile.exists(plan.manifests[0]) && !AtomicFile.exists(store.path(for: old.address)))
        for o in [shared, newest, applied, fresh] { #expect(try ContentAddressedStore(root: root).get(o.address) == o.bytes) }
        // A second pass finds nothing more.
        let again = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(manifests: 1), now: Self.now)
        #expect(again.manifests.isEmpty && again.objects.isEmpty)
    }

    @Test func aKeptManifestThatFailsItsCheckKeepsEveryObject() throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        let orphan = StoredObject(.string("orphan"))
        try ContentAddressedStore(root: root).put([orphan])
        try writeManifest(root, commit("a"), objects: [], age: 10)
        let path = "\(root)/commits/\(commit("a")).json"
        try Data("{\"checksum\":\"sha256:00\"}".utf8).write(to: URL(fileURLWithPath: path))
        let plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(grace: 0), now: Self.now)
        #expect(plan.objects.isEmpty)
        #expect(plan.notes.contains { $0.contains("fails its check") })
    }

    @Test func chunksOfKeptManifestsStayAndTheOthersGo() throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let a = ManifestChunkTests.manifest(commit("a"), count: 1000)
        let b = ManifestChunkTests.manifest(commit("b"), count: 1000, changing: 10, note: "changed")
        try state.store(a, commit: commit("a"))
        try setAge(state.manifestPath(commit: commit("a")), 100)
        try state.store(b, commit: commit("b"))
        try setAge(state.manifestPath(commit: commit("b")), 10)
        let plan = try StateRetention.plan(stateDirectory: state.root, policy: RetentionPolicy(manifests: 1, grace: 0), now: Self.now + 10)
        let onlyA = a.stored().chunks.filter { !b.stored().chunks.contains($0) }
        #expect(!onlyA.isEmpty)
        #expect(Set(plan.objects) == Set(onlyA.map { state.objects.path(for: $0.address) }))
        try StateRetention.apply(plan, stateDirectory: state.root)
        guard case .valid(let json) = try state.checkedManifest(commit: commit("b")) else { Issue.record("the kept manifest lost a chunk"); return }
        #expect(json.canonicalBytes == b.json.canonicalBytes)
    }

    func record(_ i: Int, day: Int = 1) -> JSON {
        .object(["kind": .string("event"), "n": .integer(Int64(i)), "ts": .string("2026-12-\(day < 10 ? "0" : "")\(day)T00:00:00.000Z"),
                 "text": .string("record number \(i) with some text to fill the segment")])
    }

    /// A ledger of 60 records in small segments, and an engine snapshot that has seen them all.
    func ledger(_ root: String, days: (Int) -> Int = { _ in 1 }) async throws -> Int {
        let ledger = try Ledger(stateDirectory: root, segmentLimit: 600)
        for i in 1...60 { try await ledger.append([record(i, day: days(i))]) }
        await ledger.close()
        let last = try #require(Ledger.read(stateDirectory: root).last)
        try AtomicFile.write(JSON.object(["last_seq": .integer(last.seq), "last_chain": .string(last.chain)]).canonicalString, to: root + "/engine-state.json")
        return Ledger.segments(root + "/ledger").count
    }

    @Test func aPrunedLedgerStillVerifiesFromItsCheckpoint() async throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        let segments = try await ledger(root)
        #expect(segments > 6)
        let plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 3), now: Self.now)
        #expect(plan.segments.count == segments - 3 && plan.keptSegments == 3)
        let checkpoint = try #require(plan.checkpoint)
        try StateRetention.apply(plan, stateDirectory: root)
        #expect(Ledger.segments(root + "/ledger").count == 3)
        #expect(try LedgerCheckpoint.read(stateDirectory: root) == checkpoint)
        #expect(try Ledger.verify(stateDirectory: root) == 60)
        let kept = try Ledger.read(stateDirectory: root)
        #expect(kept.first?.seq == checkpoint.seq + 1 && kept.last?.seq == 60)
        // The ledger opens on the checkpoint and goes on with its chain.
        let reopened = try Ledger(stateDirectory: root, segmentLimit: 600)
        #expect(try await reopened.append([record(61)]) == [61])
        await reopened.close()
        #expect(try Ledger.verify(stateDirectory: root) == 61)
        // The engine snapshot's mark is still found.
        #expect(throws: Never.self) { try LedgerMark.snapshot(stateDirectory: root)?.check(stateDirectory: root, ledgerLast: 61) }
    }

    @Test func aSegmentRemovedWithoutTheCheckpointOrADamagedCheckpointFailsVerify() async throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        _ = try await ledger(root)
        // Removed by hand, no checkpoint: the first record left does not follow genesis.
        let first = try #require(Ledger.segments(root + "/ledger").first)
        let saved = try Data(contentsOf: URL(fileURLWithPath: root + "/ledger/" + first))
        try FileManager.default.removeItem(atPath: root + "/ledger/" + first)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: root) }
        try saved.write(to: URL(fileURLWithPath: root + "/ledger/" + first))
        // Pruned properly, then the checkpoint altered.
        let plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 2), now: Self.now)
        try StateRetention.apply(plan, stateDirectory: root)
        #expect(try Ledger.verify(stateDirectory: root) == 60)
        let path = LedgerCheckpoint.path(stateDirectory: root)
        var checkpoint = try #require(try LedgerCheckpoint.read(stateDirectory: root))
        checkpoint.seq -= 1
        try AtomicFile.write(checkpoint.fileBytes, to: path)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: root) }
        try AtomicFile.write(Array(String(decoding: checkpoint.fileBytes, as: UTF8.self).replacingOccurrences(of: "\"seq\":", with: "\"seq\":1").utf8), to: path)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: root) }
    }

    @Test func anInterruptedPruneIsFinishedByTheNextPass() async throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        let segments = try await ledger(root)
        var plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 2), now: Self.now)
        // The checkpoint written, no segment removed yet: a crash right there.
        let pruned = plan.segments
        plan.segments = []
        try StateRetention.apply(plan, stateDirectory: root)
        #expect(Ledger.segments(root + "/ledger").count == segments)
        #expect(try Ledger.verify(stateDirectory: root) == 60)
        #expect(try Ledger.read(stateDirectory: root).first?.seq == plan.checkpoint!.seq + 1)
        let next = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 2), now: Self.now)
        #expect(next.segments == pruned && next.checkpoint == nil)
        try StateRetention.apply(next, stateDirectory: root)
        #expect(Ledger.segments(root + "/ledger").count == 2)
        #expect(try Ledger.verify(stateDirectory: root) == 60)
    }

    @Test func recentSegmentsAndThoseTheSnapshotNeedsAreKept() async throws {
        let dir = TemporaryDirectory()
        let root = dir.path
        // Records of December 1st, then from the 20th on.
        let segments = try await ledger(root, days: { $0 <= 20 ? 1 : 20 })
        let plan = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 1, ledgerKeepSince: "2026-12-10T00:00:00.000Z"), now: Self.now)
        let checkpoint = try #require(plan.checkpoint)
        #expect(checkpoint.seq <= 20 && plan.segments.count < segments - 1)
        #expect(plan.notes.contains { $0.contains("since 2026-12-10") })
        // The snapshot has seen only seq 10: what follows it is kept.
        let chain = try #require(Ledger.chain(stateDirectory: root, at: 10))
        try AtomicFile.write(JSON.object(["last_seq": .integer(10), "last_chain": .string(chain)]).canonicalString, to: root + "/engine-state.json")
        let early = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 1), now: Self.now)
        #expect((early.checkpoint?.seq ?? 0) < 10)
        // Without a snapshot, the ledger is kept whole.
        try FileManager.default.removeItem(atPath: root + "/engine-state.json")
        let none = try StateRetention.plan(stateDirectory: root, policy: RetentionPolicy(ledgerSegments: 1), now: Self.now)
        #expect(none.segments.isEmpty && none.checkpoint == nil)
    }
}
