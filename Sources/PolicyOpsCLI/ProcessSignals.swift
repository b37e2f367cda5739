import Dispatch
import Reconciler
import Synchronization
import SystemCalls

private let stopFlag = Atomic<Bool>(false)
private let wakeFlag = Atomic<Bool>(false)

/// SIGTERM and SIGINT ask the reconciler to stop (finishing what runs); SIGHUP wakes it
/// to poll the branch at once. The only code that touches signals.
struct ProcessSignals: ReconcilerSignals {
    static func install() -> ProcessSignals {
        // A parent may have started us with these signals blocked; we handle them.
        Signal.unblock([.terminate, .interrupt, .hangUp])
        Signal.terminate.handle { _ in stopFlag.store(true, ordering: .relaxed) }
        Signal.interrupt.handle { _ in stopFlag.store(true, ordering: .relaxed) }
        Signal.hangUp.handle { _ in wakeFlag.store(true, ordering: .relaxed) }
        Signal.pipe.ignore()
        return ProcessSignals()
    }

    var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    func takeWakeUp() -> Bool { wakeFlag.exchange(false, ordering: .relaxed) }
}

/// Runs async work from the synchronous command line and waits for its result.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
