import Foundation
import SystemCalls
import Testing
import TestSupport

@Suite struct FileDescriptorTests {
    @Test func writesReadsAndSyncsAFile() throws {
        let dir = TemporaryDirectory("syscalls")
        let path = dir.join("f")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec], permissions: 0o640)
        try fd.writeAll(Array("hello, world".utf8))
        try fd.sync()
        try fd.dataSync()
        #expect(try fd.status().kind == .regular)
        fd.close()
        let status = try FileStatus.of(path)
        #expect(status.size == 12)
        #expect(status.permissions & 0o077 == status.permissions & 0o040)  // umask may take bits away, never add them
        let reader = try FileDescriptor.open(path, .readOnly)
        defer { reader.close() }
        #expect(try reader.read(atMost: 5) == Array("hello".utf8))
        #expect(try reader.readFully(upTo: 100) == Array(", world".utf8))
        #expect(try reader.read(atMost: 5) == [])
    }

    @Test func readAllStopsOneByteAfterTheLimit() throws {
        let dir = TemporaryDirectory("syscalls")
        dir.write("big", String(repeating: "x", count: 100_000))
        let fd = try FileDescriptor.open(dir.join("big"), .readOnly)
        defer { fd.close() }
        #expect(try fd.readAll(limit: 65_536).count == 65_537)
    }

    @Test func aMissingFileIsAnErrnoWithTheCallAndThePath() throws {
        let dir = TemporaryDirectory("syscalls")
        let path = dir.join("missing")
        let error = try #require(throws: Errno.self) { try FileDescriptor.open(path, .readOnly) }
        #expect(error.is(.noEntry))
        #expect(error.call == "open")
        #expect(error.path == path)
        #expect(error.text == "No such file or directory")
        #expect(error.description == "open \(path): No such file or directory")
    }

    @Test func noFollowRefusesASymbolicLink() throws {
        let dir = TemporaryDirectory("syscalls")
        dir.write("target", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.join("link"), withDestinationPath: dir.join("target"))
        let error = try #require(throws: Errno.self) { try FileDescriptor.open(dir.join("link"), .readOnly, options: [.noFollow]) }
        #expect(error.is(.tooManySymbolicLinks))
        #expect(FileStatus.at(dir.join("link"), followingLinks: false)?.kind == .symbolicLink)
        #expect(FileStatus.at(dir.join("link"))?.kind == .regular)
        #expect(FileSystem.linkTarget(dir.join("link")) == dir.join("target"))
    }

    @Test func aPipeCarriesBytesAndPollSaysWhenTheyAreThere() throws {
        let pipe = try FileDescriptor.pipe(nonBlocking: true)
        defer {
            pipe.read.close()
            pipe.write.close()
        }
        #expect(try FileDescriptor.poll([(pipe.read, .readable)], milliseconds: 0) == [[]])
        #expect(throws: Errno.self) { try pipe.read.read(atMost: 1) }  // EAGAIN: nothing there yet
        try pipe.write.writeAll([1, 2, 3])
        #expect(pipe.read.wait(for: .readable, milliseconds: 0))
        #expect(try pipe.read.read(atMost: 10) == [1, 2, 3])
    }

    @Test func foldersRenamesAndEntries() throws {
        let dir = TemporaryDirectory("syscalls")
        try FileSystem.makeDirectory(dir.join("sub"), permissions: 0o700)
        #expect(FileStatus.at(dir.join("sub"))?.kind == .directory)
        let again = try #require(throws: Errno.self) { try FileSystem.makeDirectory(dir.join("sub")) }
        #expect(again.is(.exists))
        dir.write("sub/a", "1")
        try FileSystem.rename(dir.join("sub/a"), to: dir.join("sub/b"))
        #expect(try FileSystem.entries(of: dir.join("sub")) == ["b"])
        #expect(FileSystem.realPath(dir.join("sub/../sub/b")) == FileSystem.realPath(dir.join("sub/b")))
        #expect(FileSystem.realPath(dir.join("nothing")) == nil)
    }

    /// Children never run as root: as root, the test runs them as a user made for it.
    static func withIdentity(_ body: (ChildProcess.Identity) throws -> Void) throws {
        guard UserDatabase.effectiveUserID == 0 else {
            let me = UserDatabase.effectiveUserID, group = UserDatabase.effectiveGroupID
            return try body(.init(switchUser: false, userID: me, groupID: group, groups: [group]))
        }
        let user = try SystemUser.create("syscall")
        defer { user.remove() }
        try body(.init(switchUser: true, userID: user.uid, groupID: user.gid, groups: [user.gid]))
    }

    @Test func aChildRunsAndItsEndIsReported() throws {
        try Self.withIdentity { identity in try Self.runChild(identity) }
    }

    @Test func rootIsNeverTheChildsUser() throws {
        let failure = try #require(throws: ChildProcess.SpawnFailure.self) {
            try ChildProcess.spawn("/bin/true", arguments: ["true"], environment: [], directory: nil,
                                   standardInput: .standardInput, standardOutput: .standardOutput, standardError: .standardError,
                                   identity: .init(switchUser: true, userID: 0, groupID: 0, groups: [0]))
        }
        #expect([.wouldBeRoot, .regainedRoot].contains(failure.step))
    }

    static func runChild(_ identity: ChildProcess.Identity) throws {
        let out = try FileDescriptor.pipe()
        let null = try FileDescriptor.open("/dev/null", .readOnly)
        let pid = try ChildProcess.spawn("/bin/sh", arguments: ["sh", "-c", "echo hi; exit 3"], environment: ["PATH=/usr/bin:/bin"], directory: nil,
                                         standardInput: null, standardOutput: out.write, standardError: out.write, identity: identity)
        null.close()
        out.write.close()
        defer { out.read.close() }
        #expect(try out.read.readAll() == Array("hi\n".utf8))
        #expect(try ChildProcess.wait(pid) == .exited(3))
    }

    @Test func aProgramThatDoesNotExistFailsAtExec() throws {
        try Self.withIdentity { identity in
            let failure = try #require(throws: ChildProcess.SpawnFailure.self) {
                try ChildProcess.spawn("/nonexistent/program", arguments: ["x"], environment: [], directory: nil,
                                       standardInput: .standardInput, standardOutput: .standardOutput, standardError: .standardError,
                                       identity: identity)
            }
            #expect(failure.step == .exec)
            #expect(failure.error.is(.noEntry))
        }
    }

    @Test func theEffectiveUserIsInTheDatabase() {
        let me = UserDatabase.user(id: UserDatabase.effectiveUserID)
        #expect(me != nil)
        if let me {
            #expect(UserDatabase.user(named: me.name)?.userID == me.userID)
            #expect(UserDatabase.groups(of: me.name, primary: me.groupID).contains(me.groupID))
        }
        #expect(UserDatabase.user(named: "no-such-user-policyops") == nil)
    }

    @Test func theMonotonicClockNeverGoesBack() {
        let a = Clocks.monotonicMilliseconds(), b = Clocks.monotonicMilliseconds()
        #expect(b >= a)
        #expect(Clocks.realtimeMilliseconds() > 1_700_000_000_000)
    }
}
