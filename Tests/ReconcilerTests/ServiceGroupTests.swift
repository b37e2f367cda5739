import Synchronization
import Testing
@testable import Reconciler

/// A service that runs until shut down, and says how often it was.
final class BlockingService: Service {
    private let state = Mutex<(shutdowns: Int, started: Bool, waiter: CheckedContinuation<Void, Never>?, started_: CheckedContinuation<Void, Never>?)>((0, false, nil, nil))

    var shutdowns: Int { state.withLock { $0.shutdowns } }

    /// Returns once `run()` has begun.
    func started() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let already = state.withLock { s in
                if !s.started { s.started_ = c }
                return s.started
            }
            if already { c.resume() }
        }
    }

    func run() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let (stopped, starter) = state.withLock { s in
                s.started = true
                let starter = s.started_
                s.started_ = nil
                if s.shutdowns == 0 { s.waiter = c }
                return (s.shutdowns > 0, starter)
            }
            starter?.resume()
            if stopped { c.resume() }
        }
    }

    func shutdown() {
        let waiter = state.withLock { s in
            s.shutdowns += 1
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }
}

/// The lifecycle: services run side by side until the group's task is cancelled, then each
/// is asked once to shut down, and the group returns when all have.
@Suite struct ServiceGroupTests {
    @Test func cancellingTheGroupShutsEveryServiceDownOnce() async {
        let a = BlockingService(), b = BlockingService()
        let group = Task { await ServiceGroup([a, b]).run() }
        await a.started()
        await b.started()
        group.cancel()
        await group.value
        #expect(a.shutdowns == 1)
        #expect(b.shutdowns == 1)
    }

    @Test func signalsBecomeWakeUpsUntilTheStreamEnds() async {
        let (stream, continuation) = AsyncStream<ReconcilerSignal>.makeStream()
        let wakeUps = WakeUps()
        continuation.yield(.wakeUp)
        continuation.yield(.stop)
        continuation.finish()
        await SignalIntake(signals: StreamSignals(events: stream), wakeUps: wakeUps).run()
        #expect(wakeUps.take() == [.wakeUp, .stop])
    }
}

/// Signals from a stream the test writes.
struct StreamSignals: ReconcilerSignals {
    let events: AsyncStream<ReconcilerSignal>
    var stopRequested: Bool { false }
    func takeWakeUp() -> Bool { false }
}
