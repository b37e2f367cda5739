/// A path pattern as `policyops.json` writes them: `*` matches within one path segment,
/// `?` one character, and a `**` segment any number of segments (`policies/**/*.json`).
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let segments: [Substring]
    /// For the common shape `folder/**/*.ext`: the folder with its slash and the suffix.
    private let prefixAndSuffix: (prefix: String, suffix: String)?

    public static func == (a: PathGlob, b: PathGlob) -> Bool { a.pattern == b.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// Parses a pattern; nil when it is absolute, empty, or climbs with `..`.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty, !pattern.hasPrefix("/"), !pattern.contains("\\") else { return nil }
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else { return nil }
        self.pattern = pattern
        self.segments = segments
        if segments.count >= 3, segments[segments.count - 2] == "**", let last = segments.last, last.hasPrefix("*"),
           !last.dropFirst().contains(where: { $0 == "*" || $0 == "?" }),
           !segments.dropLast(2).contains(where: { $0.contains("*") || $0.contains("?") }) {
            prefixAndSuffix = (segments.dropLast(2).joined(separator: "/") + "/", String(last.dropFirst()))
        } else {
            prefixAndSuffix = nil
        }
    }

    public var description: String { pattern }

    /// The leading segments without wildcards: the folder to walk to find matches.
    public var literalPrefix: String {
        var parts: [Substring] = []
        for s in segments.dropLast() {
            if s.contains("*") || s.contains("?") { break }
            parts.append(s)
        }
        return parts.joined(separator: "/")
    }

    /// True when a relative path matches.
    public func matches(_ path: String) -> Bool {
        // The common shape `folder/**/*.json`: a prefix and a suffix, no walking.
        if let (prefix, suffix) = prefixAndSuffix {
            guard path.utf8.count > prefix.utf8.count, path.hasPrefix(prefix), path.hasSuffix(suffix) else { return false }
            // The suffix must lie within the last segment.
            return !path.utf8.dropFirst(path.utf8.count - suffix.utf8.count).contains(UInt8(ascii: "/"))
                && path.utf8.count - suffix.utf8.count >= prefix.utf8.count
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return Self.match(segments[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            var p = path
            while true {
                if match(rest, p) { return true }
                guard !p.isEmpty else { return false }
                p = p.dropFirst()
            }
        }
        guard let segment = path.first, Glob.matches(pattern: String(first), String(segment)) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }
}
