import Hashing
import Policy

/// The reconciler's state directory (SPEC section 10) and what `compile` writes into it.
public struct StateDirectory: Sendable {
    /// Its path.
    public let root: String
    /// The IR, host and UPS objects.
    public let objects: ContentAddressedStore

    /// A state directory at `root` (created 0700 when needed).
    public init(root: String) throws(FileSystemError) {
        try AtomicFile.makeFolders(root, mode: 0o700)
        self.root = root
        self.objects = ContentAddressedStore(root: root)
    }

    /// Where a commit's manifest lives.
    public func manifestPath(commit: String) -> String { "\(root)/commits/\(commit).json" }

    /// Stores a compiled commit: its objects, then its manifest (so a manifest never names
    /// a missing object). Returns how many objects were new.
    @discardableResult
    public func store(_ manifest: CommitManifest, commit: String) throws(FileSystemError) -> Int {
        let written = try objects.put(manifest.objects)
        try AtomicFile.makeFolders("\(root)/commits", mode: 0o700)
        try AtomicFile.write(manifest.fileBytes, to: manifestPath(commit: commit), mode: 0o600)
        return written
    }

    /// A commit's manifest, nil when it was never compiled here or fails its checksum
    /// (`checkedManifest(commit:)` tells which).
    public func manifest(commit: String) throws(FileSystemError) -> JSON? {
        guard case .valid(let json) = try checkedManifest(commit: commit) else { return nil }
        return json
    }
}
