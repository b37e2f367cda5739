import Hashing
import Policy

extension StateDirectory {
    /// A manifest file as read back: missing, whole, or damaged.
    public enum ManifestRead: Sendable {
        /// No manifest: the commit was never compiled here.
        case missing
        /// The manifest, its checksum verified, with its entries inline (a chunked manifest's
        /// chunks read, checked against their addresses and joined).
        case valid(JSON)
        /// The file, or a chunk it names, exists but fails its check (`path` says which):
        /// it must be rebuilt from git.
        case damaged(path: String, reason: CommitManifest.CheckFailure)
    }

    /// A commit's manifest, checked against the checksum it carries (SPEC section 18, "Files").
    public func checkedManifest(commit: String) throws(FileSystemError) -> ManifestRead {
        try Self.checkedManifest(stateDirectory: root, commit: commit)
    }

    /// A commit's manifest in the state directory `root`, read without making any folder
    /// (for commands that only look): the top-level file checked against its checksum, each
    /// chunk it names against its address. A missing chunk is damage too: git gives it again.
    public static func checkedManifest(stateDirectory root: String, commit: String) throws(FileSystemError) -> ManifestRead {
        let path = "\(root)/commits/\(commit).json"
        guard let bytes = try AtomicFile.read(path) else { return .missing }
        let top: JSON
        switch CommitManifest.unsealed(bytes) {
        case .success(let json): top = json
        case .failure(let reason): return .damaged(path: path, reason: reason)
        }
        guard let references = CommitManifest.chunkReferences(top) else { return .valid(top) }
        let objects = ContentAddressedStore(root: root)
        var chunks: [JSON] = []
        chunks.reserveCapacity(references.count)
        for reference in references {
            guard let digest = SHA256Digest(hex: reference.dropFirst(7)), reference.hasPrefix("sha256:") else {
                return .damaged(path: path, reason: .chunkDamaged(reference))
            }
            let chunkPath = objects.path(for: digest)
            do {
                guard let chunk = JSON.parse(try objects.get(digest)) else { return .damaged(path: chunkPath, reason: .chunkDamaged(reference)) }
                chunks.append(chunk)
            } catch {
                switch error {
                case .missing: return .damaged(path: chunkPath, reason: .chunkMissing(reference))
                case .corrupt: return .damaged(path: chunkPath, reason: .chunkDamaged(reference))
                case .io(let e): throw e
                }
            }
        }
        guard let joined = CommitManifest.joined(top, chunks: chunks) else { return .damaged(path: path, reason: .chunkDamaged(references.first ?? "")) }
        return .valid(joined)
    }

    /// Stores a commit compiled again because its files were damaged: the manifest, its
    /// chunks, and every object it names that is missing or fails its address, written
    /// anew. Returns the paths of the objects (and chunks) written.
    public func rebuild(_ manifest: CommitManifest, commit: String) throws(FileSystemError) -> [String] {
        let (file, chunks) = manifest.stored(chunking)
        let repaired = try objects.repair(manifest.objects + chunks)
        try AtomicFile.makeFolders("\(root)/commits", mode: 0o700)
        try AtomicFile.write(file, to: manifestPath(commit: commit), mode: 0o600)
        return repaired
    }
}
