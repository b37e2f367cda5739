import Git
import Policy
import PolicyRepository

/// The `--repo` and `--rev` options most commands share.
enum RepositoryOptions {
    static let repo = OptionSpec.value("repo", "DIR", "The policy repository: the folder with policies/ and hosts/ (default: the current folder).")
    static let rev = OptionSpec.value("rev", "REV", "Read the committed tree at REV (branch, tag, id, HEAD~2, ...) instead of the working tree.")

    static func open(_ arguments: ParsedArguments, _ context: CommandContext, requireGit: Bool) throws -> RepositoryView {
        let path = context.absolute(arguments.value("repo") ?? ".")
        return try RepositoryView.open(path, requireGit: requireGit)
    }

    /// Paths given on the command line, relative to the policy repository. A path that is
    /// outside it is a usage error.
    static func relativePaths(_ paths: [String], in view: RepositoryView, _ context: CommandContext, spec: CommandSpec) throws -> [String] {
        try paths.map { raw in
            let absolute = normalize(context.absolute(raw))
            guard let folder = view.folder else { return raw }
            if absolute == folder { return "" }
            guard absolute.hasPrefix(folder + "/") else {
                throw UsageError(message: "\(raw) is outside the policy repository \(folder)", command: spec)
            }
            return String(absolute.dropFirst(folder.count + 1))
        }
    }

    /// `a/./b/../c` → `a/c`, without touching the disk (the file may exist only in a commit).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for p in path.split(separator: "/") {
            if p == "." { continue }
            if p == ".." { _ = parts.popLast(); continue }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }
}
