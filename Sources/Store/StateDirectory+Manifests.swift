import Policy

extension StateDirectory {
    /// A manifest file as read back: missing, whole, or damaged.
    public enum ManifestRead: Sendable {
        /// No manifest: the commit was never compiled here.
        case missing
        /// The manifest, its checksum verified.
        case valid(JSON)
        /// The file exists but fails its check: it must be rebuilt from git.
        case damaged(path: String, reason: CommitManifest.CheckFailure)
    }

    /// A commit's manifest, checked against the checksum it carries (SPEC section 18, "Files").
    public func checkedManifest(commit: String) throws(FileSystemError) -> ManifestRead {
        let path = manifestPath(commit: commit)
        guard let bytes = try AtomicFile.read(path) else { return .missing }
        switch CommitManifest.unsealed(bytes) {
        case .success(let json): return .valid(json)
        case .failure(let reason): return .damaged(path: path, reason: reason)
        }
    }

    /// Stores a commit compiled again because its files were damaged: the manifest, and
    /// every object it names that is missing or fails its address, written anew. Returns
    /// the paths of the objects written.
    public func rebuild(_ manifest: CommitManifest, commit: String) throws(FileSystemError) -> [String] {
        let repaired = try objects.repair(manifest.objects)
        try AtomicFile.makeFolders("\(root)/commits", mode: 0o700)
        try AtomicFile.write(manifest.fileBytes, to: manifestPath(commit: commit), mode: 0o600)
        return repaired
    }
}
