import Foundation
import Testing
import TestSupport
@testable import Policy
@testable import Store

/// The inbox takes only regular files of bounded size; the lock says who holds it; the
/// state directory's modes are its user's alone (SPEC sections 10 and 18, "Files").
@Suite struct StateFileTests {
    @Test func aRegularEventFileIsTaken() throws {
        let dir = TemporaryDirectory()
        let inbox = Inbox(stateDirectory: dir.path)
        let name = try inbox.put(.object(["id": .string("e1")]), id: "e1", milliseconds: 7)
        #expect(inbox.take(name) == .file(Array(#"{"id":"e1"}"#.utf8)))
        var info = stat()
        #expect(stat(inbox.folder + "/" + name, &info) == 0 && info.st_mode & 0o7777 == 0o600)
        #expect(stat(inbox.folder, &info) == 0 && info.st_mode & 0o7777 == 0o700)
        #expect(inbox.take("000000000000009-gone.json") == .vanished)
    }

    @Test func whatIsNotARegularFileOfBoundedSizeIsRefused() throws {
        let dir = TemporaryDirectory()
        let inbox = Inbox(stateDirectory: dir.path)
        try FileManager.default.createDirectory(atPath: inbox.folder, withIntermediateDirectories: true)
        mkfifo(inbox.folder + "/1-fifo.json", 0o600)
        symlink("/dev/zero", inbox.folder + "/2-zero.json")
        mkdir(inbox.folder + "/3-folder.json", 0o700)
        symlink(inbox.folder + "/nowhere", inbox.folder + "/4-dangling.json")
        dir.write("inbox/5-big.json", String(repeating: " ", count: Inbox.maximumEventBytes + 1))
        dir.write("inbox/6-limit.json", String(repeating: " ", count: Inbox.maximumEventBytes))
        let started = ContinuousClock.now
        func reason(_ name: String) -> String {
            if case .refused(let r) = inbox.take(name) { return r }
            return "taken"
        }
        #expect(reason("1-fifo.json") == "it is a FIFO, not a regular file")
        #expect(reason("2-zero.json") == "it is a symbolic link, not a regular file")
        #expect(reason("3-folder.json") == "it is a folder, not a regular file")
        #expect(reason("4-dangling.json") == "it is a symbolic link, not a regular file")
        #expect(reason("5-big.json") == "it is larger than 65536 bytes")
        #expect(reason("6-limit.json") == "taken")
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(inbox.pending() == ["1-fifo.json", "2-zero.json", "3-folder.json", "4-dangling.json", "5-big.json", "6-limit.json"])
        // Moved aside, never over an earlier rejected entry of the same name.
        mkdir(inbox.folder + "/rejected", 0o700)
        mkfifo(inbox.folder + "/rejected/1-fifo.json", 0o600)
        #expect(inbox.reject("1-fifo.json") == "moved to inbox/rejected/1-fifo.json.1")
        #expect(inbox.reject("3-folder.json") == "moved to inbox/rejected/3-folder.json")
        #expect(inbox.pending() == ["2-zero.json", "4-dangling.json", "5-big.json", "6-limit.json"])
    }

    @Test func aMissingInboxHasNothingWaiting() throws {
        let dir = TemporaryDirectory()
        #expect(try Inbox(stateDirectory: dir.path).waiting() == [])
    }

    @Test func theLockRecordsItsHolderAndTheKernelConfirmsIt() throws {
        let dir = TemporaryDirectory()
        #expect(try LockHolder.inspect(stateDirectory: dir.path) == nil)
        do {
            let lock = try StateLock(stateDirectory: dir.path)
            let holder = try #require(try LockHolder.inspect(stateDirectory: dir.path))
            #expect(holder.recorded?.pid == getpid())
            #expect(holder.recorded?.uid == geteuid())
            #expect(holder.actualPID == getpid())
            #expect(holder.summary == "pid \(getpid())")
            #expect(holder.user != nil)
            var info = stat()
            #expect(stat(dir.join("lock"), &info) == 0 && info.st_mode & 0o7777 == 0o600)
            _ = lock
        }
        // Released with the value: nobody holds it, whatever the file still says.
        #expect(try LockHolder.inspect(stateDirectory: dir.path) == nil)
    }

    @Test(arguments: [("{\"pid\":42,\"uid\":0,\"user\":\"root\"}\n", 42, "root"), ("1234\n", 1234, nil)] as [(String, Int32, String?)])
    func aLockRecordIsRead(text: String, pid: Int32, user: String?) {
        let record = LockHolder.Record(bytes: Array(text.utf8))
        #expect(record?.pid == pid)
        #expect(record?.user == user)
    }

    @Test func makePrivateTakesGroupAndOtherAway() throws {
        let dir = TemporaryDirectory()
        dir.write("a/b/c.json", "{}")
        chmod(dir.join("a"), 0o777)
        chmod(dir.join("a/b/c.json"), 0o664)
        symlink("/etc/passwd", dir.join("a/link"))
        var before = stat()
        stat("/etc/passwd", &before)
        let changed = StateDirectory.makePrivate(dir.path)
        #expect(Set(changed).isSuperset(of: [dir.join("a"), dir.join("a/b/c.json")]))
        var info = stat()
        #expect(stat(dir.join("a"), &info) == 0 && info.st_mode & 0o7777 == 0o700)
        #expect(stat(dir.join("a/b/c.json"), &info) == 0 && info.st_mode & 0o7777 == 0o600)
        #expect(stat("/etc/passwd", &info) == 0 && info.st_mode == before.st_mode)
        #expect(StateDirectory.makePrivate(dir.path).isEmpty)
    }
}
