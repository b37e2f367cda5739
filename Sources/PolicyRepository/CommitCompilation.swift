import Git
import Policy

/// A commit compiled: its snapshot, the compilation and the manifest with its objects.
public struct CommitCompilation: Sendable {
    /// The commit.
    public var commit: Commit
    /// The compiled repository.
    public var compilation: RepositoryCompilation
    /// The manifest and the IR, host and UPS objects to store.
    public var manifest: CommitManifest
}

