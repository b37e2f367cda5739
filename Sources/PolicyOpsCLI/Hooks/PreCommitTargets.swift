import Policy

/// Which policy repositories a pre-commit check covers, found from the staged paths when
/// the hook is not told (`--path`): the pre-commit framework runs it from the git root,
/// and a repository whose policies live in `ops/` must not pass unchecked.
///
/// A file belongs to the nearest folder above it that holds a staged `policyops.json`;
/// failing that, to the folder holding the outermost `policies/`, `hosts/` or `ups/` on its
/// path. It is recognised when that folder's settings cover it.
struct PreCommitTargets {
    /// The folders to check, git-relative ("" the root, else ending in `/`), in order.
    var folders: [String]
    /// Files handed to the hook that are not part of a policy repository, with why.
    var unrecognised: [(path: String, reason: String)]

    static let folderNames: Set<Substring> = ["policies", "hosts", "ups"]

    /// The policy repository folder `path` (git-relative) would belong to, if any.
    static func folder(of path: String, staged: Set<String>) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 1 else { return nil }
        for depth in stride(from: parts.count - 1, through: 0, by: -1) {
            let prefix = parts.prefix(depth).map { $0 + "/" }.joined()
            if staged.contains(prefix + RepositorySettings.fileName) { return prefix }
        }
        if let k = parts.dropLast().firstIndex(where: { folderNames.contains($0) }) {
            return parts.prefix(k).map { $0 + "/" }.joined()
        }
        return nil
    }

    /// Sorts `files` (git-relative; all staged JSON files when empty) into policy
    /// repositories. `settings` gives a folder's settings as staged.
    static func locate(files: [String], staged: [String], settings: (String) throws -> RepositorySettings) rethrows -> PreCommitTargets {
        let stagedSet = Set(staged)
        let handed = !files.isEmpty
        let candidates = handed ? files : staged.filter { $0.hasSuffix(".json") }
        var folders: [String] = []
        var unrecognised: [(path: String, reason: String)] = []
        var known: [String: RepositorySettings] = [:]
        for path in candidates {
            guard let folder = folder(of: path, staged: stagedSet) else {
                if handed {
                    unrecognised.append((path, "no policyops.json is staged above it and it is not under a policies/, hosts/ or ups/ folder"))
                }
                continue
            }
            let relative = String(path.dropFirst(folder.count))
            let s = try known[folder] ?? settings(folder)
            known[folder] = s
            let covered = relative == RepositorySettings.fileName || s.role(of: relative) != nil
            guard covered else {
                if handed {
                    let place = folder.isEmpty ? "the repository's root" : folder
                    unrecognised.append((path, "the policy repository at \(place) does not read it (its policyops.json patterns do not cover \(relative))"))
                }
                continue
            }
            if !folders.contains(folder) { folders.append(folder) }
        }
        return PreCommitTargets(folders: folders, unrecognised: unrecognised)
    }
}
