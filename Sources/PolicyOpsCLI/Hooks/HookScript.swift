/// The git hook scripts `policyops hook install` writes. The same text is kept in the
/// project's `hooks/` folder for people who install by hand; a test keeps the two equal.
/// `@POLICYOPS@` becomes the installed binary's path and `@ARGS@` the hook's options.
enum HookScript: String, CaseIterable {
    case preReceive = "pre-receive"
    case preCommit = "pre-commit"
    case postReceive = "post-receive"

    /// The marker that tells PolicyOps' own hooks from foreign ones.
    var marker: String { "policyops:\(rawValue)" }

    var template: String {
        switch self {
        case .preReceive:
            return """
            #!/bin/sh
            # policyops:pre-receive - rejects a push when any commit it brings has a blocker.
            # Installed by `policyops hook install`; run it again rather than editing this file.
            exec '@POLICYOPS@' hook pre-receive @ARGS@

            """
        case .preCommit:
            return """
            #!/bin/sh
            # policyops:pre-commit - refuses a commit when what is staged has a blocker.
            # Installed by `policyops hook install`; run it again rather than editing this file.
            exec '@POLICYOPS@' hook pre-commit @ARGS@

            """
        case .postReceive:
            return """
            #!/bin/sh
            # policyops:post-receive - wakes a reconciler on this machine at once; harmless when none runs.
            # Installed by `policyops hook install`; run it again rather than editing this file.
            '@POLICYOPS@' hook post-receive @ARGS@ || true
            exit 0

            """
        }
    }

    /// The script for a binary at `binary`, with the policy folder `path` (if any), the
    /// GitLab prefix when asked, and the refs the server guards (pre-receive; `--refs`).
    func render(binary: String, path: String?, gitlab: Bool = false, refs: [String]? = nil, config: String? = nil) -> String {
        var options: [String] = []
        if let path { options.append("--path " + HookScript.shellQuote(path)) }
        if gitlab && self == .preReceive { options.append("--gitlab") }
        if let refs, self == .preReceive { options.append("--refs " + HookScript.shellQuote(refs.joined(separator: ","))) }
        if let config, self == .preReceive { options.append("--config " + HookScript.shellQuote(config)) }
        let args = options.joined(separator: " ")
        return template.replacingOccurrences(of: "'@POLICYOPS@'", with: HookScript.shellQuote(binary))
            .replacingOccurrences(of: " @ARGS@", with: args.isEmpty ? "" : " " + args)
    }

    /// A single-quoted shell word.
    static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
