/// A path pattern as `policyops.json` writes them: `*` matches within one path segment,
/// `?` one character, and a `**` segment any number of segments (`policies/**/*.json`).
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let segments: [Substring]

    /// Parses a pattern; nil when it is absolute, empty, or climbs with `..`.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty, !pattern.hasPrefix("/"), !pattern.contains("\\") else { return nil }
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else { return nil }
        self.pattern = pattern
        self.segments = segments
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
