/// One file of a policy repository as a loader found it: in a working tree, a commit or
/// the index.
public struct RepositoryFile: Sendable {
    /// What the path is.
    public enum Kind: String, Sendable, Hashable {
        case regular
        case symlink
        case submodule
    }

    /// The path relative to the policy repository, with `/` separators.
    public var path: String
    /// Regular file, symbolic link or submodule.
    public var kind: Kind
    /// The content of a regular file (empty otherwise).
    public var bytes: [UInt8]
    /// The git blob id when the file came from git; the cache key of its analysis.
    public var blobID: String?

    /// Creates a file.
    public init(path: String, kind: Kind = .regular, bytes: [UInt8], blobID: String? = nil) {
        self.path = path
        self.kind = kind
        self.bytes = bytes
        self.blobID = blobID
    }
}
