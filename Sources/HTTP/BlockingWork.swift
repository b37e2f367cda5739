import Foundation

/// Runs `work`, which blocks (libcurl, waitpid), on a thread of its own and suspends until it
/// ends. Blocking calls never run on the cooperative pool or on Dispatch's global queues: on
/// a 2-core machine both are two threads wide, and a few slow hosts would stall every task.
public func runBlocking<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
