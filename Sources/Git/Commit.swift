/// What the tool needs to know of a commit.
public struct Commit: Sendable, Hashable {
    /// The commit's id.
    public var id: ObjectID
    /// Its root tree.
    public var tree: ObjectID
    /// Its parents, first parent first.
    public var parents: [ObjectID]
    /// The first line of the message.
    public var summary: String
    /// The whole message.
    public var message: String
    /// The author's name.
    public var authorName: String
    /// The committer's time, seconds since 1970.
    public var time: Int64
}

/// A file in a tree or in the index.
public struct TreeEntry: Sendable, Hashable {
    /// What the entry is.
    public enum Kind: Sendable, Hashable {
        case file, symlink, submodule
    }

    /// The path relative to the tree (or to the prefix asked for).
    public var path: String
    /// The blob id (the commit id for a submodule).
    public var id: ObjectID
    /// File, symbolic link or submodule.
    public var kind: Kind

    /// Creates an entry.
    public init(path: String, id: ObjectID, kind: Kind) {
        self.path = path
        self.id = id
        self.kind = kind
    }
}

/// A file that differs between two trees.
public struct TreeChange: Sendable, Hashable {
    /// How it differs.
    public enum Kind: Sendable, Hashable {
        case added, deleted, modified
    }

    /// The path relative to the trees.
    public var path: String
    /// How it differs.
    public var kind: Kind
    /// The blob before, nil when added.
    public var oldID: ObjectID?
    /// The blob after, nil when deleted.
    public var newID: ObjectID?
    /// True when the file after is a regular file.
    public var newIsRegularFile: Bool
    /// True when the file before was a regular file.
    public var oldIsRegularFile: Bool
}
