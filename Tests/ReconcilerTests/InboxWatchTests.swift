import Foundation
import Testing
import TestSupport
@testable import Reconciler

/// What the inbox watch reports, counted; a test awaits the count it expects (no sleep,
/// no timeout: a watch that never reports hangs the test, it does not pass it).
final class Reports: Sendable {
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (stream, continuation) = AsyncStream<String>.makeStream() }

    func note(_ what: String) { continuation.yield(what) }

    /// Waits for the next report of `what`.
    func next(_ what: String) async -> Bool {
        for await r in stream where r == what { return true }
        return false
    }
}

@Suite struct InboxWatchTests {
    @Test func anEventRenamedIntoTheInboxWakesTheLoop() async throws {
        let state = TemporaryDirectory("inbox-watch")
        let reports = Reports()
        let watch = InboxWatch(folder: state.join("inbox"), nudgeDescriptor: -1,
                               onInbox: { reports.note("inbox") }, onNudge: { reports.note("nudge") })
        #expect(watch.isWatching)
        let running = Task { await watch.run() }
        // As `event emit` and the UPS monitor drop events: written aside, renamed in.
        state.write("inbox/.tmp-1-e.json", "{}")
        #expect(rename(state.join("inbox/.tmp-1-e.json"), state.join("inbox/000000000000001-e.json")) == 0)
        #expect(await reports.next("inbox"))
        watch.shutdown()
        await running.value
    }

    @Test func aRemovedInboxLosesTheWatchAndARecreatedOneIsWatchedAgain() async throws {
        let state = TemporaryDirectory("inbox-watch-lost")
        let reports = Reports()
        let watch = InboxWatch(folder: state.join("inbox"), nudgeDescriptor: -1, onInbox: { reports.note("inbox") }, onNudge: {})
        let running = Task { await watch.run() }
        #expect(rmdir(state.join("inbox")) == 0)
        #expect(await reports.next("inbox"))
        #expect(!watch.isWatching)
        #expect(!watch.rewatch())
        #expect(mkdir(state.join("inbox"), 0o700) == 0)
        #expect(watch.rewatch())
        state.write("inbox/000000000000002-e.json", "{}")
        #expect(await reports.next("inbox"))
        watch.shutdown()
        await running.value
    }

    @Test func aByteInTheNudgeFIFOWakesTheLoopAndIsDrained() async throws {
        let state = TemporaryDirectory("inbox-watch-nudge")
        #expect(mkfifo(state.join("nudge"), 0o600) == 0)
        let fd = open(state.join("nudge"), O_RDWR | O_NONBLOCK | O_CLOEXEC)
        try #require(fd >= 0)
        let reports = Reports()
        let watch = InboxWatch(folder: state.join("inbox"), nudgeDescriptor: fd, onInbox: {}, onNudge: { reports.note("nudge") })
        let running = Task { await watch.run() }
        // As the post-receive hook writes: open, one byte, close (the last writer leaving
        // must not make the FIFO report a hang-up for ever).
        for _ in 0..<2 {
            let writer = open(state.join("nudge"), O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            var byte: UInt8 = 1
            #expect(write(writer, &byte, 1) == 1)
            close(writer)
            #expect(await reports.next("nudge"))
        }
        watch.shutdown()
        await running.value
    }
}
