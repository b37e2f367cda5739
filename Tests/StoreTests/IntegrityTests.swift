import Foundation
import Testing
import TestSupport
@testable import Hashing
@testable import Policy
@testable import Store

/// Damage to the ledger, manifests and IR objects found by their checks (SPEC section 18, "Files").
@Suite struct IntegrityTests {
    func record(_ i: Int) -> JSON { .object(["kind": .string("event"), "n": .integer(Int64(i)), "text": .string("record \(i)")]) }

    func ledger(_ dir: TemporaryDirectory, records: Int) async throws -> (seqs: [Int64], chain: String) {
        let ledger = try Ledger(stateDirectory: dir.path)
        let marked = try await ledger.appendMarked(canonical: (1...records).map { record($0).canonicalBytes })
        await ledger.close()
        return marked
    }

    @Test func aCompleteLastRecordThatFailsItsChecksumIsCorruption() async throws {
        let dir = TemporaryDirectory()
        _ = try await ledger(dir, records: 5)
        let segment = dir.path + "/ledger/seg-000001.log"
        let text = try String(contentsOfFile: segment, encoding: .utf8)
        let damaged = text.replacingOccurrences(of: "record 5", with: "record X")
        try damaged.write(toFile: segment, atomically: false, encoding: .utf8)
        let offset = text.utf8.count - (text.split(separator: "\n").last!.utf8.count + 1)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: dir.path) }
        do {
            _ = try Ledger(stateDirectory: dir.path)
            Issue.record("a damaged last record opened as a torn tail")
        } catch let error as Ledger.CorruptionError {
            #expect(error.message.contains("seg-000001.log is corrupt at byte \(offset)"), "\(error.message)")
        }
        #expect(try String(contentsOfFile: segment, encoding: .utf8) == damaged, "nothing was cut")
    }

    @Test func appendMarkedGivesTheChainOfTheLastRecord() async throws {
        let dir = TemporaryDirectory()
        let marked = try await ledger(dir, records: 3)
        #expect(marked.seqs == [1, 2, 3])
        #expect(Ledger.chain(stateDirectory: dir.path, at: 3) == marked.chain)
        #expect(try Ledger.read(stateDirectory: dir.path).last?.chain == marked.chain)
        #expect(Ledger.chain(stateDirectory: dir.path, at: 4) == nil)
    }

    func writeSnapshot(_ dir: TemporaryDirectory, seq: Int64, chain: String?) throws {
        let json = JSON.object(["last_seq": .integer(seq), "last_chain": chain.map(JSON.string) ?? .null])
        try AtomicFile.write(json.canonicalBytes, to: dir.path + "/engine-state.json")
    }

    @Test func verifyFindsALedgerCutAtARecordBoundaryBehindTheSnapshot() async throws {
        let dir = TemporaryDirectory()
        let marked = try await ledger(dir, records: 5)
        try writeSnapshot(dir, seq: 5, chain: marked.chain)
        #expect(try Ledger.verify(stateDirectory: dir.path) == 5)
        // The last two records lost, whole.
        let segment = dir.path + "/ledger/seg-000001.log"
        let lines = try String(contentsOfFile: segment, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(3).joined(separator: "\n") + "\n").write(toFile: segment, atomically: false, encoding: .utf8)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: dir.path) }
        #expect(throws: Ledger.CorruptionError.self) {
            try LedgerMark(seq: 5, chain: marked.chain).check(stateDirectory: dir.path, ledgerLast: 3)
        }
    }

    @Test func verifyFindsALedgerThatIsNotTheOneTheSnapshotSaw() async throws {
        let dir = TemporaryDirectory()
        _ = try await ledger(dir, records: 4)
        try writeSnapshot(dir, seq: 3, chain: String(repeating: "a", count: 64))
        #expect(throws: Ledger.CorruptionError.self) { try Ledger.verify(stateDirectory: dir.path) }
        // A snapshot from before the chain was kept is checked by its seq alone.
        try writeSnapshot(dir, seq: 3, chain: nil)
        #expect(try Ledger.verify(stateDirectory: dir.path) == 4)
    }

    @Test func aManifestCarriesAChecksumThatFindsAFlippedByte() throws {
        let canonical = JSON.object(["commit": .string("abc"), "policies": .array([.object(["status": .string("compiled")])])]).canonicalBytes
        let sealed = CommitManifest.sealed(canonical)
        #expect(String(decoding: sealed, as: UTF8.self).hasPrefix(#"{"checksum":"sha256:"#))
        #expect(JSON.parse(sealed) != nil)
        guard case .success(let json) = CommitManifest.unsealed(sealed) else { Issue.record("a sealed manifest fails its check"); return }
        #expect(json.canonicalBytes == canonical)
        for i in sealed.indices {
            var flipped = sealed
            flipped[i] ^= 0x01
            if case .success = CommitManifest.unsealed(flipped) { Issue.record("byte \(i) flipped passes the check") }
        }
        #expect(CommitManifest.unsealed(canonical) == .failure(.noChecksum))
    }

    @Test func repairWritesAgainAnObjectThatFailsItsAddress() throws {
        let dir = TemporaryDirectory()
        let store = ContentAddressedStore(root: dir.path)
        let good = StoredObject(.object(["a": .integer(1)]))
        let other = StoredObject(.object(["b": .integer(2)]))
        try store.put([good, other])
        let path = store.path(for: good.address)
        chmod(path, 0o644)
        try Data("{\"a\":2}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ContentAddressedStore.ReadError.self) { try store.get(good.address) }
        // `put` leaves a present file alone; `repair` replaces it, and only it.
        #expect(try store.put([good]) == 0)
        #expect(try store.repair([good, other]) == [path])
        #expect(try store.get(good.address) == good.bytes)
    }
}
