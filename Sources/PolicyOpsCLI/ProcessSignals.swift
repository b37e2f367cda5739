import Dispatch
import Foundation
import Reconciler
import Synchronization
import SystemCalls

private let stopFlag = Atomic<Bool>(false)
private let wakeFlag = Atomic<Bool>(false)
/// The write end of the self-pipe the handlers write one byte into (`T` stop, `H` wake):
/// write(2) is async-signal-safe, and a thread turns the bytes into `events`.
private let signalPipe = Atomic<Int32>(-1)

/// SIGTERM and SIGINT ask the reconciler to stop (finishing what runs); SIGHUP wakes it
/// to poll the branch at once. The only code that touches signals.
struct ProcessSignals: ReconcilerSignals {
    /// The signals as they arrive (read from the self-pipe by a thread of their own).
    let events: AsyncStream<ReconcilerSignal>

    static func install() -> ProcessSignals {
        var fds: [Int32] = [-1, -1]
        let (events, continuation) = AsyncStream<ReconcilerSignal>.makeStream(bufferingPolicy: .bufferingNewest(16))
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)  // a full pipe drops a byte, never blocks a handler
            signalPipe.store(fds[1], ordering: .relaxed)
            let reader = fds[0]
            let thread = Thread {
                var byte: UInt8 = 0
                while true {
                    let n = read(reader, &byte, 1)
                    if n < 0 && errno == EINTR { continue }
                    guard n == 1 else { break }
                    continuation.yield(byte == UInt8(ascii: "T") ? .stop : .wakeUp)
                }
                continuation.finish()
            }
            thread.name = "policyops-signals"
            thread.start()
        } else {
            continuation.finish()
        }
        // A parent may have started us with these signals blocked; we handle them.
        Signal.unblock([.terminate, .interrupt, .hangUp])
        Signal.terminate.handle { _ in
            stopFlag.store(true, ordering: .relaxed)
            notify(UInt8(ascii: "T"))
        }
        Signal.interrupt.handle { _ in
            stopFlag.store(true, ordering: .relaxed)
            notify(UInt8(ascii: "T"))
        }
        Signal.hangUp.handle { _ in
            wakeFlag.store(true, ordering: .relaxed)
            notify(UInt8(ascii: "H"))
        }
        Signal.pipe.ignore()
        return ProcessSignals(events: events)
    }

    var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    func takeWakeUp() -> Bool { wakeFlag.exchange(false, ordering: .relaxed) }
}

/// From a signal handler: only an atomic load and write(2), with errno kept as it was.
private func notify(_ byte: UInt8) {
    let saved = errno
    var b = byte
    let fd = signalPipe.load(ordering: .relaxed)
    if fd >= 0 { _ = write(fd, &b, 1) }
    errno = saved
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
