/// A repository's settings from its optional `policyops.json`.
public struct RepositorySettings: Sendable, Hashable {
    /// Where policy files are (`policies/**/*.json`).
    public var policyGlobs: [PathGlob]
    /// Where host declarations are (`hosts/**/*.json`).
    public var hostGlobs: [PathGlob]
    /// Where UPS declarations are (`ups/**/*.json`).
    public var upsGlobs: [PathGlob]
    /// Defaults normalization fills in.
    public var defaults: PolicyDefaults
    /// The time zone of `timer.at` schedules (an IANA name; UTC by default).
    public var timeZone: String
    /// The refs the pre-receive hook guards (`refs/heads/*`).
    public var guardedRefs: [String]
    /// Where the policy repository is inside the git repository, for the hook (`hook.path`).
    public var hookPath: String?
    /// True when the file had a `hook` section.
    public var hasHookSection = false
    /// True when the `hook` section named `refs` (then `guardedRefs` holds them, possibly none).
    public var hasGuardedRefs = false

    /// The refs the file asks the pre-receive hook to guard; nil when it names none. The
    /// server's set bounds them: they may narrow it, never widen it.
    public var declaredGuardedRefs: [String]? { hasGuardedRefs ? guardedRefs : nil }

    /// The settings of a repository without `policyops.json`.
    public static let standard = RepositorySettings(
        policyGlobs: [PathGlob("policies/**/*.json")!], hostGlobs: [PathGlob("hosts/**/*.json")!],
        upsGlobs: [PathGlob("ups/**/*.json")!], defaults: .standard, timeZone: "UTC", guardedRefs: ["refs/heads/*"], hookPath: nil)

    /// The file name.
    public static let fileName = "policyops.json"

    /// Reads `policyops.json`; invalid settings are blockers and the standard ones stand in.
    /// `isKnownTimeZone` says whether the system knows a zone name (the caller asks it: this
    /// module does no I/O); a `timezone` it does not know is a blocker. Nil checks the form only.
    public static func read(bytes: [UInt8], isKnownTimeZone: ((String) -> Bool)? = nil) -> (RepositorySettings, [Diagnostic]) {
        let checker = DocumentChecker(file: fileName, bytes: bytes)
        var settings = RepositorySettings.standard
        guard let document = checker.readJSON(), let root = checker.fields(document, at: .root, what: "policyops.json") else {
            return (settings, checker.diagnostics)
        }
        root.rejectUnknown(allowed: ["$schema", "policies", "hosts", "ups", "defaults", "timezone", "hook"], what: "policyops.json")
        _ = root.string("$schema")
        func globs(_ key: String) -> [PathGlob]? {
            guard let elements = root.array(key) else { return nil }
            var out: [PathGlob] = []
            for (i, e) in elements.enumerated() {
                guard case .string(let s) = e.kind, let glob = PathGlob(s) else {
                    checker.report(.invalidSettings, e, root.pointer.appending(key).appending(index: i),
                                   "\"\(key)\" holds relative path patterns such as \"\(key)/**/*.json\" (no leading /, no ..)")
                    continue
                }
                out.append(glob)
            }
            if elements.isEmpty {
                checker.report(.emptyList, root.member(key)!.value, root.pointer.appending(key), "\"\(key)\" is empty; give at least one pattern")
            }
            return out.isEmpty ? nil : out
        }
        settings.policyGlobs = globs("policies") ?? settings.policyGlobs
        settings.hostGlobs = globs("hosts") ?? settings.hostGlobs
        settings.upsGlobs = globs("ups") ?? settings.upsGlobs
        if let d = root.object("defaults") {
            d.rejectUnknown(allowed: ["suppression_window", "idempotency_window"], what: "\"defaults\"")
            settings.defaults.suppressionWindow = d.duration("suppression_window") ?? settings.defaults.suppressionWindow
            settings.defaults.idempotencyWindow = d.duration("idempotency_window") ?? settings.defaults.idempotencyWindow
        }
        if let tz = root.string("timezone") {
            if !validTimeZoneName(tz) {
                checker.report(.invalidSettings, root.member("timezone")!.value, root.pointer.appending("timezone"),
                               "\"timezone\" is \"\(tz)\"; write an IANA time zone name such as \"UTC\" or \"Europe/Berlin\"")
            } else if let known = isKnownTimeZone, !known(tz) {
                checker.report(.invalidSettings, root.member("timezone")!.value, root.pointer.appending("timezone"),
                               "\"timezone\" is \"\(tz)\", a zone this system's time zone database does not know; write an IANA name such as \"UTC\" or \"Europe/Berlin\"" + closestZone(tz, known))
            } else {
                settings.timeZone = tz
            }
        }
        if let hook = root.object("hook") {
            settings.hasHookSection = true
            hook.rejectUnknown(allowed: ["refs", "path"], what: "\"hook\"")
            if let path = hook.string("path") {
                let parts = path.split(separator: "/", omittingEmptySubsequences: false)
                if path.isEmpty || path.hasPrefix("/") || parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
                    checker.report(.invalidSettings, hook.member("path")!.value, hook.pointer.appending("path"),
                                   "\"path\" is the policy repository's folder inside the git repository, relative and without . or .., such as \"ops\"")
                } else {
                    settings.hookPath = path
                }
            }
            if let refs = hook.array("refs") {
                var out: [String] = []
                for (i, e) in refs.enumerated() {
                    guard case .string(let s) = e.kind, s.hasPrefix("refs/"), !s.contains("..") else {
                        checker.report(.invalidSettings, e, hook.pointer.appending("refs").appending(index: i),
                                       "guarded refs are patterns such as \"refs/heads/*\" or \"refs/heads/main\"")
                        continue
                    }
                    out.append(s)
                }
                settings.guardedRefs = out
                settings.hasGuardedRefs = true
            }
        }
        return (settings, checker.diagnostics)
    }

    /// `(did you mean "Europe/Berlin"?)` for a zone written in the wrong case.
    static func closestZone(_ tz: String, _ known: (String) -> Bool) -> String {
        let words = tz.lowercased().split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.split(separator: "_", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "_")
        }
        for candidate in [words.joined(separator: "/"), tz.uppercased()] where candidate != tz && known(candidate) {
            return " (did you mean \"\(candidate)\"?)"
        }
        return ""
    }

    static func validTimeZoneName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && !s.hasPrefix("/") && !s.contains("..")
            && s.utf8.allSatisfy { SelectorParser.isAlnum($0) || "/_+-".utf8.contains($0) }
    }

    /// What kind of file a path is under these settings.
    public enum FileRole: Sendable, Hashable {
        case policy, host, ups
    }

    /// The role of a path, or nil when no pattern covers it.
    public func role(of path: String) -> FileRole? {
        if policyGlobs.contains(where: { $0.matches(path) }) { return .policy }
        if hostGlobs.contains(where: { $0.matches(path) }) { return .host }
        if upsGlobs.contains(where: { $0.matches(path) }) { return .ups }
        return nil
    }

    /// The folders that can hold matching files: what a loader needs to walk.
    public var searchRoots: [String] {
        var roots = Set<String>()
        for g in policyGlobs + hostGlobs + upsGlobs { roots.insert(g.literalPrefix) }
        // A root inside another root is walked with it.
        return roots.sorted().filter { r in !roots.contains { o in o != r && (o.isEmpty || r.hasPrefix(o + "/")) } }
    }

    /// True when a link (a symbolic link or a submodule) at `path` would stand where these
    /// settings read: `policyops.json` itself, a folder the patterns walk or anything in it,
    /// or a folder on the way to one (`ops` for `ops/policies/**/*.json`). Such a link is a
    /// blocker and never followed: what a reviewer sees must be what runs.
    public func readsThrough(_ path: String) -> Bool {
        if path == Self.fileName { return true }
        return searchRoots.contains { root in
            root.isEmpty || path == root || path.hasPrefix(root + "/") || root.hasPrefix(path + "/")
        }
    }

    /// True when a non-JSON file at `path` sits where policies live (reported as ignored).
    public func isInPolicyFolder(_ path: String) -> Bool {
        policyGlobs.contains { g in
            let prefix = g.literalPrefix
            return !prefix.isEmpty && path.hasPrefix(prefix + "/")
        }
    }
}
