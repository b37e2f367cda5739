import Policy

/// The refs a pre-receive hook guards: the server's set (`hook install --refs`, else every
/// branch), narrowed by the repository's `policyops.json` `hook.refs` where that names
/// patterns the server's set covers. A repository pattern the server does not cover is
/// ignored, so a push can never widen the set or replace it with another; and a narrowing
/// never drops the server's default branch (what its `HEAD` names) nor a ref the server
/// names exactly, so a push cannot unguard the branch the reconciler applies.
struct GuardedRefs: Equatable {
    /// What the server guards when installed without `--refs`: every branch.
    static let serverDefault = ["refs/heads/*"]

    /// The server's patterns.
    var server: [String]
    /// The patterns the hook checks: the repository's covered ones, else the server's.
    var effective: [String]
    /// The repository's patterns the server's set does not cover, ignored.
    var ignored: [String]
    /// The refs no narrowing drops: the server's exact refs (no `*` or `?`) and its default
    /// branch, where the server's set guards it.
    var always: [String]

    /// The refs guarded when the server guards `server`, names `defaultBranch` in its `HEAD`,
    /// and the repository asks for `repository` (nil when its `policyops.json` names no refs).
    init(server: [String], defaultBranch: String? = nil, repository: [String]?) {
        self.server = server
        let asked = repository ?? []
        let kept = asked.filter { pattern in server.contains { Self.covers($0, pattern) } }
        ignored = asked.filter { !kept.contains($0) }
        var always = server.filter { !$0.contains("*") && !$0.contains("?") }
        if let defaultBranch, server.contains(where: { Glob.matches(pattern: $0, defaultBranch) }), !always.contains(defaultBranch) {
            always.append(defaultBranch)
        }
        self.always = always
        // Narrowing to nothing is not narrowing: the server's set stands.
        effective = kept.isEmpty ? server : kept + always.filter { ref in !kept.contains { Glob.matches(pattern: $0, ref) } }
    }

    /// True when `ref` is guarded.
    func guards(_ ref: String) -> Bool {
        effective.contains { Glob.matches(pattern: $0, ref) }
    }

    /// The server's patterns from `--refs PATTERN[,PATTERN...]`; nil when one is not a ref pattern.
    static func parse(_ option: String) -> [String]? {
        let patterns = option.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !patterns.isEmpty, patterns.allSatisfy(isRefPattern) else { return nil }
        return patterns
    }

    /// `refs/...`, without `..`, whitespace, control characters, quotes or a comma.
    static func isRefPattern(_ s: String) -> Bool { HookSettings.isRefPattern(s) }

    /// True when every ref `narrower` matches is matched by `wider` (`*` any run of
    /// characters, `?` one). Sound, not complete: an alignment of the two patterns in which
    /// each `*` of `narrower` falls inside a `*` of `wider` proves it; without one the
    /// pattern is treated as not covered, which only ever guards more.
    static func covers(_ wider: String, _ narrower: String) -> Bool {
        let w = Array(wider.unicodeScalars), n = Array(narrower.unicodeScalars)
        // reach[j]: wider's first i tokens can stand for narrower's first j.
        var reach = [Bool](repeating: false, count: n.count + 1)
        reach[0] = true
        for token in w {
            var next = [Bool](repeating: false, count: n.count + 1)
            if token == "*" {
                // A star stands for any run of narrower's tokens, stars included.
                var any = false
                for j in 0...n.count {
                    any = any || reach[j]
                    next[j] = any
                }
            } else {
                for j in 0..<n.count where reach[j] {
                    let t = n[j]
                    if t == "*" { continue }
                    if token == "?" || token == t { next[j + 1] = true }
                }
            }
            reach = next
        }
        return reach[n.count]
    }
}
