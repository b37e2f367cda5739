#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes: standard output for results, standard error for errors.
/// The only place besides `main` that touches process-global output.
public final class Console: @unchecked Sendable {
    private var out: [UInt8] = []
    private var err: [UInt8] = []
    private let flushesImmediately: Bool

    /// A console that writes to the process's standard output and error.
    public init(flushesImmediately: Bool = false) {
        self.flushesImmediately = flushesImmediately
    }

    /// Appends to standard output.
    public func print(_ text: String, terminator: String = "\n") {
        out.append(contentsOf: text.utf8)
        out.append(contentsOf: terminator.utf8)
        if flushesImmediately || out.count > 1 << 20 { flush() }
    }

    /// Appends to standard error.
    public func error(_ text: String) {
        err.append(contentsOf: text.utf8)
        if !text.hasSuffix("\n") { err.append(UInt8(ascii: "\n")) }
        if flushesImmediately { flush() }
    }

    /// Writes what is buffered.
    public func flush() {
        Self.writeAll(1, out)
        out.removeAll(keepingCapacity: true)
        Self.writeAll(2, err)
        err.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            written += n
        }
    }
}
