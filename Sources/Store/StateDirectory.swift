import Hashing
import Policy

/// The reconciler's state directory (SPEC section 10) and what `compile` writes into it.
public struct StateDirectory: Sendable {
    /// Its path.
    public let root: String
    /// The IR, host and UPS objects, and the chunks of manifests.
    public let objects: ContentAddressedStore
    /// How manifests list their entries (inline when small, through chunks when large).
    public let chunking: ManifestChunking

    /// A state directory at `root` (created 0700 when needed).
    public init(root: String, chunking: ManifestChunking = .standard) throws(FileSystemError) {
        try AtomicFile.makeFolders(root, mode: 0o700)
        self.root = root
        self.objects = ContentAddressedStore(root: root)
        self.chunking = chunking
    }

    /// Where a commit's manifest lives.
    public func manifestPath(commit: String) -> String { "\(root)/commits/\(commit).json" }

    /// Stores a compiled commit: its objects and chunks, then its manifest (so a manifest
    /// never names a missing object). Returns how many objects (chunks included) were new:
    /// unchanged chunks are stored already, so a 1-file commit writes one or two.
    @discardableResult
    public func store(_ manifest: CommitManifest, commit: String) throws(FileSystemError) -> Int {
        let (file, chunks) = manifest.stored(chunking)
        let written = try objects.put(manifest.objects + chunks)
        try AtomicFile.makeFolders("\(root)/commits", mode: 0o700)
        try AtomicFile.write(file, to: manifestPath(commit: commit), mode: 0o600)
        return written
    }

    /// A commit's manifest, nil when it was never compiled here or fails its checksum
    /// (`checkedManifest(commit:)` tells which).
    public func manifest(commit: String) throws(FileSystemError) -> JSON? {
        guard case .valid(let json) = try checkedManifest(commit: commit) else { return nil }
        return json
    }
}
