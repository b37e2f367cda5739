#if canImport(Glibc)
import Glibc
#endif

/// C strings copied from Swift strings (`strdup`), owned until it is freed in `deinit`:
/// an `argv`, an `envp` or a list of header lines handed to C.
public final class CStringArray {
    private var pointers: [UnsafeMutablePointer<CChar>?]
    /// How many strings (the terminating NULL not counted).
    public let count: Int

    /// `strings` as C strings, followed by a NULL pointer when `nullTerminated`.
    public init(_ strings: [String], nullTerminated: Bool = true) {
        pointers = strings.map { strdup($0) } + (nullTerminated ? [nil] : [])
        count = strings.count
    }

    deinit { for p in pointers { free(p) } }

    /// Calls `body` with the pointers (valid only inside it).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<UnsafeMutablePointer<CChar>?>) throws -> R) rethrows -> R {
        try pointers.withUnsafeMutableBufferPointer { try body($0) }
    }
}
