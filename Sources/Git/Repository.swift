internal import CLibGit2

/// libgit2 is initialized once per process, on first use.
private let libgit2Ready: Bool = {
    git_libgit2_init()
    return true
}()

/// An open git repository. Owns its libgit2 handle and frees it on deinit. Not Sendable:
/// keep one on one task and hand out the Sendable values it returns.
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        git_repository_free(handle)
    }

    /// Opens the repository that contains `path`, searching the parent folders as git does.
    public static func discover(from path: String) throws(GitError) -> Repository {
        _ = libgit2Ready
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, path, 0, nil)
        if rc == GIT_ENOTFOUND.rawValue {
            throw GitError(kind: .notARepository, code: rc, message: "\(path) is not inside a git repository")
        }
        if rc == GIT_EOWNER.rawValue {
            throw GitError(kind: .unsafeOwner, code: rc,
                           message: "the git repository at \(path) belongs to another user; git refuses to read it unless it is listed as safe (git config --global --add safe.directory PATH), and so does PolicyOps")
        }
        try check(rc, "cannot open the git repository at \(path)")
        return Repository(handle: repo!)
    }

    /// Opens the repository git's environment names (GIT_DIR, GIT_OBJECT_DIRECTORY,
    /// GIT_ALTERNATE_OBJECT_DIRECTORIES), as a hook does to see a push's quarantined objects.
    public static func openFromEnvironment() throws(GitError) -> Repository {
        _ = libgit2Ready
        var repo: OpaquePointer?
        try check(git_repository_open_ext(&repo, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil),
                  "cannot open the git repository named by the environment (GIT_DIR)")
        return Repository(handle: repo!)
    }

    /// The working tree's folder (ending in `/`), nil for a bare repository.
    public var workingDirectory: String? {
        git_repository_workdir(handle).map { String(cString: $0) }
    }

    /// The git directory (ending in `/`).
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// True for a bare repository.
    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    // MARK: revisions and commits

    /// The commit a revision names: a branch, tag, id, `HEAD~2`, anything git accepts.
    public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        let rc = git_revparse_single(&object, handle, revision)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue || rc == GIT_EAMBIGUOUS.rawValue {
            throw GitError(kind: .invalidRevision, code: rc, message: "unknown revision \"\(revision)\"")
        }
        try check(rc, "cannot resolve revision \"\(revision)\"")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        let peel = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        if peel < 0 { throw GitError(kind: .invalidRevision, code: peel, message: "revision \"\(revision)\" does not name a commit") }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// The commit with `id`.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        try withCommit(id) { c in
            let count = git_commit_parentcount(c)
            var parents: [ObjectID] = []
            for i in 0..<count { parents.append(ObjectID(git_commit_parent_id(c, i).pointee)) }
            let summary = git_commit_summary(c).map { String(cString: $0) } ?? ""
            let message = git_commit_message(c).map { String(cString: $0) } ?? ""
            let author = git_commit_author(c).pointee
            return Commit(id: id, tree: ObjectID(git_commit_tree_id(c).pointee), parents: parents, summary: summary,
                          message: message, authorName: author.name.map { String(cString: $0) } ?? "",
                          time: Int64(git_commit_time(c)))
        }
    }

    func withCommit<T>(_ id: ObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "cannot read commit \(id.short)")
        defer { git_commit_free(commit) }
        return try body(commit!)
    }

    /// The id a reference points at (peeled to a commit), nil when it does not exist.
    public func referenceTarget(_ name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "cannot read reference \(name)")
        return ObjectID(oid)
    }

    /// The branch `HEAD` names (`refs/heads/main`), also when it has no commit yet; nil when
    /// `HEAD` is detached or cannot be read.
    public var headBranch: String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, "HEAD") == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard let target = git_reference_symbolic_target(reference) else { return nil }
        return String(cString: target)
    }

    /// The first-parent chain from `tip` back to the root commit, newest first.
    public func firstParentHistory(from tip: ObjectID) throws(GitError) -> [ObjectID] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "cannot walk history")
        defer { git_revwalk_free(walk) }
        git_revwalk_simplify_first_parent(walk)
        git_revwalk_sorting(walk, GIT_SORT_NONE.rawValue)
        var oid = tip.raw
        try check(git_revwalk_push(walk, &oid), "cannot walk history from \(tip.short)")
        return try drain(walk!)
    }

    /// The commits reachable from `tips` but from no reference matching `hiddenGlob`
    /// (`refs/*` during a pre-receive hook: the refs are not yet updated), oldest first,
    /// each once.
    public func commitsIntroduced(by tips: [ObjectID], hidingReferencesMatching hiddenGlob: String) throws(GitError) -> [ObjectID] {
        guard !tips.isEmpty else { return [] }
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "cannot walk history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
        for tip in tips {
            var oid = tip.raw
            try check(git_revwalk_push(walk, &oid), "cannot walk from \(tip.short)")
        }
        let rc = git_revwalk_hide_glob(walk, hiddenGlob)
        if rc < 0 && rc != GIT_ENOTFOUND.rawValue { try check(rc, "cannot hide \(hiddenGlob)") }
        return try drain(walk!)
    }

    /// The commits reachable from `tip` and not from `base`, oldest first.
    public func commits(from base: ObjectID?, to tip: ObjectID) throws(GitError) -> [ObjectID] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "cannot walk history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
        var oid = tip.raw
        try check(git_revwalk_push(walk, &oid), "cannot walk from \(tip.short)")
        if let base {
            var b = base.raw
            try check(git_revwalk_hide(walk, &b), "cannot hide \(base.short)")
        }
        return try drain(walk!)
    }

    /// True when `ancestor` is `descendant` or one of its ancestors.
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(GitError) -> Bool {
        if ancestor == descendant { return true }
        var a = ancestor.raw, d = descendant.raw
        let rc = git_graph_descendant_of(handle, &d, &a)
        try check(rc, "cannot compare \(ancestor.short) and \(descendant.short)")
        return rc == 1
    }

    private func drain(_ walk: OpaquePointer) throws(GitError) -> [ObjectID] {
        var out: [ObjectID] = []
        var oid = git_oid()
        while true {
            let rc = git_revwalk_next(&oid, walk)
            if rc == GIT_ITEROVER.rawValue { break }
            try check(rc, "cannot walk history")
            out.append(ObjectID(oid))
        }
        return out
    }

    // MARK: trees and blobs

    /// The id of the tree at `path` inside the commit's tree ("" is the root), nil when the
    /// path does not exist or is not a folder.
    public func treeID(commit: ObjectID, path: String) throws(GitError) -> ObjectID? {
        let root = try self.commit(commit).tree
        if path.isEmpty { return root }
        return try withTree(root) { tree throws(GitError) -> ObjectID? in
            var entry: OpaquePointer?
            let rc = git_tree_entry_bypath(&entry, tree, path)
            if rc == GIT_ENOTFOUND.rawValue { return nil }
            try check(rc, "cannot read \(path) in \(commit.short)")
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
            return ObjectID(git_tree_entry_id(entry).pointee)
        }
    }

    func withTree<T>(_ id: ObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var oid = id.raw
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), "cannot read tree \(id.short)")
        defer { git_tree_free(tree) }
        return try body(tree!)
    }

    /// Every file below the tree `id`, recursively, with paths relative to it, in git's order.
    /// `descend` decides, per folder path (relative, without trailing `/`), whether to walk into it.
    public func files(inTree id: ObjectID, descend: (String) -> Bool = { _ in true }) throws(GitError) -> [TreeEntry] {
        var out: [TreeEntry] = []
        try collect(tree: id, prefix: "", descend: descend, into: &out)
        return out
    }

    private func collect(tree id: ObjectID, prefix: String, descend: (String) -> Bool, into out: inout [TreeEntry]) throws(GitError) {
        var subtrees: [(String, ObjectID)] = []
        try withTree(id) { tree throws(GitError) in
            let count = git_tree_entrycount(tree)
            for i in 0..<count {
                guard let entry = git_tree_entry_byindex(tree, i) else { continue }
                let name = String(cString: git_tree_entry_name(entry))
                let path = prefix.isEmpty ? name : prefix + "/" + name
                let oid = ObjectID(git_tree_entry_id(entry).pointee)
                let mode = git_tree_entry_filemode(entry)
                switch mode {
                case GIT_FILEMODE_TREE:
                    subtrees.append((path, oid))
                case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
                    out.append(TreeEntry(path: path, id: oid, kind: .file))
                case GIT_FILEMODE_LINK:
                    out.append(TreeEntry(path: path, id: oid, kind: .symlink))
                case GIT_FILEMODE_COMMIT:
                    out.append(TreeEntry(path: path, id: oid, kind: .submodule))
                default:
                    continue
                }
            }
        }
        for (path, oid) in subtrees where descend(path) {
            try collect(tree: oid, prefix: path, descend: descend, into: &out)
        }
    }

    /// The content of a blob.
    public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var oid = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// The size of a blob, read from the object header without inflating the content.
    public func blobSize(_ id: ObjectID) throws(GitError) -> Int {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "cannot open the object database")
        defer { git_odb_free(odb) }
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_ANY
        try check(git_odb_read_header(&size, &type, odb, &oid), "cannot read blob \(id.short)")
        return size
    }

    /// The files that differ between two trees (either may be nil: empty), paths relative
    /// to them. Renames are reported as a deletion and an addition.
    public func changes(from old: ObjectID?, to new: ObjectID?) throws(GitError) -> [TreeChange] {
        var oldTree: OpaquePointer?, newTree: OpaquePointer?
        defer {
            git_tree_free(oldTree)
            git_tree_free(newTree)
        }
        if let old {
            var oid = old.raw
            try check(git_tree_lookup(&oldTree, handle, &oid), "cannot read tree \(old.short)")
        }
        if let new {
            var oid = new.raw
            try check(git_tree_lookup(&newTree, handle, &oid), "cannot read tree \(new.short)")
        }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        options.flags |= GIT_DIFF_IGNORE_SUBMODULES.rawValue
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options), "cannot compare trees")
        defer { git_diff_free(diff) }
        var out: [TreeChange] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
            let oldFile = delta.old_file, newFile = delta.new_file
            let kind: TreeChange.Kind
            switch delta.status {
            case GIT_DELTA_ADDED: kind = .added
            case GIT_DELTA_DELETED: kind = .deleted
            default: kind = .modified
            }
            let path = String(cString: (kind == .deleted ? oldFile.path : newFile.path)!)
            out.append(TreeChange(path: path, kind: kind,
                                  oldID: kind == .added ? nil : ObjectID(oldFile.id),
                                  newID: kind == .deleted ? nil : ObjectID(newFile.id),
                                  newIsRegularFile: Self.isRegular(newFile.mode), oldIsRegularFile: Self.isRegular(oldFile.mode)))
        }
        return out
    }

    private static func isRegular(_ mode: UInt16) -> Bool {
        UInt32(mode) == GIT_FILEMODE_BLOB.rawValue || UInt32(mode) == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue
    }

    // MARK: the index

    /// The files staged in the index whose paths start with `prefix` (relative to the
    /// repository's root), as the next commit would hold them.
    /// `indexFile` names another index than the repository's own, as git's GIT_INDEX_FILE
    /// does during `git commit PATH` and `git commit -a`.
    public func stagedFiles(under prefix: String, indexFile: String? = nil) throws(GitError) -> [TreeEntry] {
        var index: OpaquePointer?
        if let indexFile {
            try check(git_index_open(&index, indexFile), "cannot read the index \(indexFile)")
        } else {
            try check(git_repository_index(&index, handle), "cannot read the index")
        }
        defer { git_index_free(index) }
        var out: [TreeEntry] = []
        for i in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, i)?.pointee else { continue }
            // Stage 0 only: entries in conflict are not what will be committed.
            if (Int32(entry.flags) & GIT_INDEX_ENTRY_STAGEMASK) >> GIT_INDEX_ENTRY_STAGESHIFT != 0 { continue }
            let path = String(cString: entry.path)
            guard prefix.isEmpty || path.hasPrefix(prefix) else { continue }
            let kind: TreeEntry.Kind
            switch entry.mode {
            case GIT_FILEMODE_LINK.rawValue: kind = .symlink
            case GIT_FILEMODE_COMMIT.rawValue: kind = .submodule
            default: kind = .file
            }
            out.append(TreeEntry(path: String(path.dropFirst(prefix.count)), id: ObjectID(entry.id), kind: kind))
        }
        return out
    }
}
