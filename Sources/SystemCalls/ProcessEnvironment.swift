#if canImport(Glibc)
import Glibc
#endif

/// The process itself: its environment and its exit.
public enum ProcessEnvironment {
    /// The process's environment variables (`environ`).
    public static func variables() -> [String: String] {
        var all: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let eq = pair.firstIndex(of: "=") { all[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
            entry += 1
        }
        return all
    }

    /// Ends the process with `status` (`exit(3)`).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
