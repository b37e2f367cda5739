import Synchronization
import SystemCalls

/// Where a command writes: standard output for results, standard error for errors.
/// The only place besides `main` that touches process-global output.
///
/// Safe to share: the reconciler's actor, the UPS monitor's threads (through the log) and
/// `main` write at once. The buffers live behind one lock, and a flush writes while it
/// holds it, so lines are never torn, lost or reordered against the flushes.
public final class Console: Sendable {
    private struct Buffers {
        var out: [UInt8] = []
        var err: [UInt8] = []
    }

    private let buffers = Mutex(Buffers())
    private let flushesImmediately: Bool
    private let outputFD: Int32
    private let errorFD: Int32

    /// A console that writes to the process's standard output and error (or, for tests,
    /// to the file descriptors given).
    public init(flushesImmediately: Bool = false, standardOutput: Int32 = 1, standardError: Int32 = 2) {
        self.flushesImmediately = flushesImmediately
        outputFD = standardOutput
        errorFD = standardError
    }

    /// Appends to standard output.
    public func print(_ text: String, terminator: String = "\n") {
        buffers.withLock { b in
            b.out.append(contentsOf: text.utf8)
            b.out.append(contentsOf: terminator.utf8)
            if flushesImmediately || b.out.count > 1 << 20 { drain(&b) }
        }
    }

    /// Appends to standard error.
    public func error(_ text: String) {
        buffers.withLock { b in
            b.err.append(contentsOf: text.utf8)
            if !text.hasSuffix("\n") { b.err.append(UInt8(ascii: "\n")) }
            if flushesImmediately { drain(&b) }
        }
    }

    /// Writes what is buffered.
    public func flush() {
        buffers.withLock { drain(&$0) }
    }

    /// Empties the buffers into their files; called with the lock held.
    private func drain(_ b: inout Buffers) {
        Self.writeAll(outputFD, b.out)
        b.out.removeAll(keepingCapacity: true)
        Self.writeAll(errorFD, b.err)
        b.err.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        // A closed or full output loses what it could not take: there is nowhere to say so.
        try? FileDescriptor(rawValue: fd).writeAll(bytes)
    }
}
