import Foundation
import Testing
import TestSupport

/// The post-receive hook writes only into a FIFO: whoever can write to the watchers list
/// must not make it write into, or through a link to, an ordinary file.
@Suite(.serialized) struct NudgeFIFOTests {
    /// Runs `hook post-receive` as git runs it in a bare repository whose watchers are `states`.
    func postReceive(_ server: GitFixture, watching states: [String]) throws -> ProcessResult {
        try FileManager.default.createDirectory(atPath: server.path + "/policyops", withIntermediateDirectories: true)
        try states.map { $0 + "\n" }.joined().write(toFile: server.path + "/policyops/watchers", atomically: true, encoding: .utf8)
        var environment = server.environment()
        environment["GIT_DIR"] = server.path
        return try Paths.policyops(["hook", "post-receive"], directory: server.path, environment: environment, input: Data())
    }

    @Test func aRegularFileOrALinkWhereTheNudgeBelongsIsLeftAloneWithAWarning() throws {
        let server = try GitFixture(bare: true)
        let regular = TemporaryDirectory("state-regular")
        regular.write("nudge", "")
        let linkedFile = TemporaryDirectory("state-link-file")
        linkedFile.write("precious", "keep me\n")
        try FileManager.default.createSymbolicLink(atPath: linkedFile.join("nudge"), withDestinationPath: linkedFile.join("precious"))
        let linkedFIFO = TemporaryDirectory("state-link-fifo")
        #expect(mkfifo(linkedFIFO.join("real-fifo"), 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: linkedFIFO.join("nudge"), withDestinationPath: linkedFIFO.join("real-fifo"))
        let reader = open(linkedFIFO.join("real-fifo"), O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let listening = TemporaryDirectory("state-fifo")
        #expect(mkfifo(listening.join("nudge"), 0o600) == 0)
        let listener = open(listening.join("nudge"), O_RDONLY | O_NONBLOCK)
        defer { close(listener) }

        let r = try postReceive(server, watching: [regular.path, linkedFile.path, linkedFIFO.path, listening.path])
        #expect(r.status == 0)
        // Nothing was written into the regular file, through the link, or into the FIFO behind it.
        #expect(regular.read("nudge") == "")
        #expect(linkedFile.read("precious") == "keep me\n")
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) <= 0)
        for state in [regular, linkedFile, linkedFIFO] {
            #expect(r.stderr.contains("\(state.path)/nudge is not a FIFO"), "\(r.stderr)")
            #expect(!r.stdout.contains("woke the reconciler of \(state.path)\n"))
        }
        #expect(!r.stdout.contains("is not a FIFO"))
        // The real FIFO in the same list is still woken.
        #expect(r.stdout.contains("woke the reconciler of \(listening.path)"))
        #expect(read(listener, &byte, 1) == 1)
    }

    @Test func aMissingNudgeIsQuiet() throws {
        let server = try GitFixture(bare: true)
        let state = TemporaryDirectory("state-empty")
        let r = try postReceive(server, watching: [state.path])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state.join("nudge")))
    }
}
