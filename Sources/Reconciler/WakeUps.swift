import Synchronization

/// Why the reconciler's loop woke; several at once when they came together.
struct WakeReasons: OptionSet, Sendable, Hashable {
    let rawValue: Int

    /// SIGHUP: poll the branch now.
    static let wakeUp = WakeReasons(rawValue: 1 << 0)
    /// A byte in the nudge FIFO (the post-receive hook): poll the branch now.
    static let nudge = WakeReasons(rawValue: 1 << 1)
    /// Something arrived in (or changed about) the inbox folder.
    static let inbox = WakeReasons(rawValue: 1 << 2)
    /// SIGTERM or SIGINT: finish and stop.
    static let stop = WakeReasons(rawValue: 1 << 3)
    /// Records were appended (an execution finished, say): metrics and deadlines may have moved.
    static let recorded = WakeReasons(rawValue: 1 << 4)
    /// Nothing fired; the deadline the loop slept towards passed.
    static let deadline = WakeReasons(rawValue: 1 << 5)

    /// A reason to poll the branch before its interval is up.
    var pollsNow: Bool { !isDisjoint(with: [.wakeUp, .nudge]) }
}

/// Where everything that can wake the reconciler's loop meets: signals, the nudge FIFO,
/// the inbox watch and appended records `fire`; the loop sleeps in `next(until:)` until one
/// does or its next deadline passes. Reasons fired while the loop is busy are kept and
/// returned by its next call, so nothing is missed between two waits. One waiter at a time
/// (the loop).
final class WakeUps: Sendable {
    private struct State {
        var pending: WakeReasons = []
        var waiter: CheckedContinuation<WakeReasons, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// Wakes the loop (now, or at its next wait) for `reasons`.
    func fire(_ reasons: WakeReasons) {
        let resume: (CheckedContinuation<WakeReasons, Never>, WakeReasons)? = state.withLock { s in
            s.pending.formUnion(reasons)
            guard let waiter = s.waiter else { return nil }
            s.waiter = nil
            let ready = s.pending
            s.pending = []
            return (waiter, ready)
        }
        if let (waiter, ready) = resume { waiter.resume(returning: ready) }
    }

    /// What fired since the last call, without waiting; empty when nothing did.
    func take() -> WakeReasons {
        state.withLock { s in
            let ready = s.pending
            s.pending = []
            return ready
        }
    }

    /// Sleeps until something fires or `deadline` passes (nil: no deadline); returns what
    /// fired, `.deadline` when only time passed.
    func next(until deadline: ContinuousClock.Instant?) async -> WakeReasons {
        let ready = take()
        if !ready.isEmpty { return ready }
        // The timer is one more source: it fires `.deadline` unless cancelled first. One
        // that fires just after another reason woke the loop costs one extra pass.
        let timer = deadline.map { d in
            Task { [self] in
                do {
                    try await Task.sleep(until: d, clock: .continuous)
                    fire(.deadline)
                } catch {}
            }
        }
        defer { timer?.cancel() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<WakeReasons, Never>) in
            let ready: WakeReasons? = state.withLock { s in
                if !s.pending.isEmpty {
                    let ready = s.pending
                    s.pending = []
                    return ready
                }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
