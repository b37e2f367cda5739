import Foundation
import Testing
import TestSupport
@testable import Policy
@testable import Store

@Suite struct LedgerTests {
    func record(_ i: Int) -> JSON { .object(["kind": .string("event"), "n": .integer(Int64(i)), "text": .string("record \(i)")]) }

    @Test func appendsAreChainedAndReadBack() async throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(stateDirectory: dir.path)
        #expect(try await ledger.append([record(1), record(2)]) == [1, 2])
        #expect(try await ledger.append([record(3)]) == [3])
        await ledger.close()
        let entries = try Ledger.read(stateDirectory: dir.path)
        #expect(entries.map(\.seq) == [1, 2, 3])
        #expect(entries[2].json["n"] == .integer(3))
        #expect(try Ledger.verify(stateDirectory: dir.path) == 3)
        // Reopening continues the sequence and the chain.
        let again = try Ledger(stateDirectory: dir.path)
        #expect(try await again.append([record(4)]) == [4])
        #expect(try Ledger.verify(stateDirectory: dir.path) == 4)
    }

    @Test func aTornTailIsCutAndReported() async throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(stateDirectory: dir.path)
        try await ledger.append((1...5).map(record))
        await ledger.close()
        let segment = dir.path + "/ledger/seg-000001.log"
        let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
        // A crash in the middle of the sixth record's write.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        handle.seekToEndOfFile()
        let torn = Data("6 abcdef {\"kind\":\"ev".utf8)
        handle.write(torn)
        try handle.close()
        #expect(throws: (any Error).self) { try Ledger.verify(stateDirectory: dir.path) }
        let reopened = try Ledger(stateDirectory: dir.path)
        let recovery = await reopened.recovery
        #expect(recovery.cutBytes == torn.count)
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == whole)
        #expect(try await reopened.append([record(6)]) == [6])
        #expect(try Ledger.verify(stateDirectory: dir.path) == 6)
    }

    @Test func aDamagedRecordInTheMiddleIsCorruptionNotATornTail() async throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(stateDirectory: dir.path)
        try await ledger.append((1...5).map(record))
        await ledger.close()
        let segment = dir.path + "/ledger/seg-000001.log"
        var text = try String(contentsOfFile: segment, encoding: .utf8)
        text = text.replacingOccurrences(of: "record 2", with: "record X")
        try text.write(toFile: segment, atomically: false, encoding: .utf8)
        #expect(throws: Ledger.CorruptionError.self) { try Ledger(stateDirectory: dir.path) }
        // Nothing was rewritten.
        #expect(try String(contentsOfFile: segment, encoding: .utf8) == text)
    }

    @Test func segmentsRotateAndTheChainCrossesThem() async throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(stateDirectory: dir.path, segmentLimit: 400)
        for i in 1...20 { try await ledger.append([record(i)]) }
        await ledger.close()
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/ledger").filter { $0.hasSuffix(".log") }
        #expect(segments.count > 3)
        #expect(try Ledger.verify(stateDirectory: dir.path) == 20)
        #expect(try Ledger.read(stateDirectory: dir.path, from: 15).map(\.seq) == Array(15...20))
    }

    @Test func concurrentAppendsShareSyncs() async throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(stateDirectory: dir.path)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask { _ = try? await ledger.append([self.record(i)]) }
            }
        }
        let syncs = await ledger.syncs
        let written = await ledger.recordsWritten
        #expect(written == 200)
        #expect(syncs < 200, "group commit: \(syncs) syncs for 200 records")
        #expect(try Ledger.verify(stateDirectory: dir.path) == 200)
        #expect(Set(try Ledger.read(stateDirectory: dir.path).map(\.seq)) == Set(1...200))
    }
}

@Suite struct LockAndInboxTests {
    @Test func oneReconcilerPerStateDirectory() throws {
        let dir = TemporaryDirectory()
        let first = try StateLock(stateDirectory: dir.path)
        #expect { try StateLock(stateDirectory: dir.path) } throws: { ($0 as? StateLock.HeldError)?.message.contains("pid \(getpid())") == true }
        _ = first
    }

    @Test func theLockIsReleasedWithItsHolder() throws {
        let dir = TemporaryDirectory()
        do { _ = try StateLock(stateDirectory: dir.path) }
        _ = try StateLock(stateDirectory: dir.path)
    }

    @Test func eventsAreRenamedInAndSortByArrival() throws {
        let dir = TemporaryDirectory()
        let inbox = Inbox(stateDirectory: dir.path)
        try inbox.put(.object(["id": .string("b")]), id: "b", milliseconds: 2000)
        try inbox.put(.object(["id": .string("a")]), id: "a", milliseconds: 1000)
        FileManager.default.createFile(atPath: dir.path + "/inbox/.tmp-123-x.json", contents: Data("{".utf8))
        let pending = inbox.pending()
        #expect(pending.count == 2)
        #expect(pending.compactMap(Inbox.eventID(fromName:)) == ["a", "b"])
        inbox.remove(pending[0])
        #expect(inbox.pending().count == 1)
        inbox.reject(pending[1])
        #expect(inbox.pending().isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/inbox/rejected/" + pending[1]))
    }
}
