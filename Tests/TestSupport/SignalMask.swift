import Foundation

extension Process {
    /// Starts the process with every signal unblocked in it. Foundation's `Process` starts
    /// children with the signal mask of the calling thread, and the threads tests run on
    /// block nearly every signal: a server started from a test would ignore SIGTERM.
    public func runWithSignalsUnblocked() throws {
        var empty = sigset_t(), saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}
