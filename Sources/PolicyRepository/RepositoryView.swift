import Git
import Policy

/// Why a policy repository cannot be read.
public struct RepositoryError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: Sendable, Hashable {
        /// The folder is not one a policy repository can be read from (not a folder,
        /// outside the git working tree, a bare repository without `--rev`).
        case unusableFolder
        /// A commit was asked for, and the folder is not inside a git repository.
        case notInGitRepository
        /// Reading git failed; its kind is the `GitError`'s.
        case git(GitError.Kind)
    }

    /// What kind of failure.
    public var code: Code
    /// What went wrong, as the user reads it.
    public var message: String
    /// The error underneath (a `GitError`), kept as it was.
    public var underlying: (any Error)?

    /// An error of `code` that says `message`.
    public init(_ message: String, code: Code = .unusableFolder) {
        self.code = code
        self.message = message
    }

    /// A failure of git, its message as git's.
    public init(_ error: GitError) {
        code = .git(error.kind)
        message = error.message
        underlying = error
    }

    public var description: String { message }
}

/// A policy repository as the tool sees it (`--repo DIR`): a folder holding `policies/` and
/// `hosts/`, possibly inside a larger git repository, readable as its working tree, at any
/// commit, or as staged in the index.
public final class RepositoryView {
    /// The folder's absolute path, nil for a bare repository.
    public let folder: String?
    /// The enclosing git repository, if any.
    public let git: Repository?
    /// The folder relative to the git repository's root: "" or ending in `/`.
    public let prefix: String

    /// The largest file read (the JSON reader's limit).
    public let fileLimit = JSONReadLimits.default.maxBytes

    private init(folder: String?, git: Repository?, prefix: String) {
        self.folder = folder
        self.git = git
        self.prefix = prefix
    }

    /// Opens the policy repository at `path`. With `requireGit`, the folder must be inside
    /// a git repository.
    public static func open(_ path: String, requireGit: Bool) throws -> RepositoryView {
        guard FileTree.isDirectory(path), let folder = FileTree.realPath(path) else {
            throw RepositoryError("\(path) is not a folder")
        }
        let git: Repository
        do {
            git = try Repository.discover(from: folder)
        } catch let error where error.kind == .notARepository && !requireGit {
            return RepositoryView(folder: folder, git: nil, prefix: "")
        } catch {
            throw RepositoryError(error)
        }
        guard let workdir = git.workingDirectory.flatMap(FileTree.realPath) else {
            return RepositoryView(folder: folder, git: git, prefix: "")
        }
        var prefix = ""
        if folder != workdir {
            guard folder.hasPrefix(workdir + "/") else { throw RepositoryError("\(folder) is outside the git working tree \(workdir)") }
            prefix = String(folder.dropFirst(workdir.count + 1)) + "/"
        }
        return RepositoryView(folder: folder, git: git, prefix: prefix)
    }

    /// A view of a folder of an already open repository (a bare one in a hook).
    public static func inside(_ git: Repository, prefix: String) -> RepositoryView {
        var p = prefix
        while p.hasPrefix("/") { p.removeFirst() }
        if !p.isEmpty && !p.hasSuffix("/") { p += "/" }
        return RepositoryView(folder: nil, git: git, prefix: p)
    }

    /// The folder as git paths write it, without the trailing `/` ("" at the root).
    public var path: String { String(prefix.dropLast(prefix.isEmpty ? 0 : 1)) }

    func requireGit() throws -> Repository {
        guard let git else { throw RepositoryError("\(folder ?? ".") is not inside a git repository; --rev, compile and plan read commits", code: .notInGitRepository) }
        return git
    }

    /// The commit a revision names.
    public func resolve(_ revision: String) throws -> ObjectID {
        do { return try requireGit().resolveCommit(revision) } catch let e as GitError { throw RepositoryError(e) }
    }

    // MARK: snapshots

    /// The files as they are on disk.
    public func workingTreeSnapshot() throws -> Snapshot {
        guard let folder else { throw RepositoryError("a bare repository has no working tree; give --rev") }
        let settingsPath = folder + "/" + RepositorySettings.fileName
        // A linked policyops.json is reported, never read: its target is not the repository's.
        let settingsIsLink = FileTree.isSymbolicLink(settingsPath)
        let settingsBytes = settingsIsLink ? nil : FileTree.read(settingsPath, limit: fileLimit)
        return Snapshot.make(source: .workingTree, settingsBytes: settingsBytes) { settings in
            var files: [RepositoryFile] = []
            var links: [RepositoryFile] = settingsIsLink ? [RepositoryFile(path: RepositorySettings.fileName, kind: .symlink, bytes: [])] : []
            for root in settings.searchRoots {
                if root.isEmpty {
                    files += FileTree.files(root: folder, under: "", limit: fileLimit) { Self.mayHoldMatches($0, settings) }
                } else if let link = FileTree.firstLink(root: folder, along: root) {
                    links.append(link)  // a linked folder is not walked
                } else if FileTree.isDirectory(folder + "/" + root) {
                    files += FileTree.files(root: folder, under: root, limit: fileLimit) { Self.mayHoldMatches($0, settings) }
                }
            }
            for link in links where !files.contains(where: { $0.path == link.path }) {
                files.append(link)
            }
            return files
        }
    }

    /// The files of the commit `id`.
    public func snapshot(at id: ObjectID) throws -> Snapshot {
        let git = try requireGit()
        do {
            guard let tree = try git.treeID(commit: id, path: path) else {
                return Snapshot(source: .commit(id.hex), settings: .standard, settingsDiagnostics: [], files: [])
            }
            return try snapshot(tree: tree, source: .commit(id.hex), git: git)
        } catch let e as GitError {
            throw RepositoryError(e)
        }
    }

    func snapshot(tree: ObjectID, source: Snapshot.Source, git: Repository) throws -> Snapshot {
        let top = try git.files(inTree: tree) { _ in false }
        let settingsEntry = top.first { $0.path == RepositorySettings.fileName && $0.kind == .file }
        let settingsBytes = try settingsEntry.map { try readBlob($0.id, git: git) }
        return try Snapshot.make(source: source, settingsBytes: settingsBytes) { settings in
            let entries = try git.files(inTree: tree) { Self.mayHoldMatches($0, settings) }
            return try entries.compactMap { entry -> RepositoryFile? in
                guard Self.isRead(entry, settings) else { return nil }
                switch entry.kind {
                case .file: return RepositoryFile(path: entry.path, bytes: try readBlob(entry.id, git: git), blobID: entry.id.hex)
                case .symlink: return RepositoryFile(path: entry.path, kind: .symlink, bytes: [], blobID: entry.id.hex)
                case .submodule: return RepositoryFile(path: entry.path, kind: .submodule, bytes: [], blobID: entry.id.hex)
                }
            }
        }
    }

    /// The files as staged in the index: what the next commit would hold.
    public func indexSnapshot(indexFile: String? = nil) throws -> Snapshot {
        let git = try requireGit()
        do {
            let staged = try git.stagedFiles(under: prefix, indexFile: indexFile)
            let settingsEntry = staged.first { $0.path == RepositorySettings.fileName && $0.kind == .file }
            let settingsBytes = try settingsEntry.map { try readBlob($0.id, git: git) }
            return try Snapshot.make(source: .index, settingsBytes: settingsBytes) { settings in
                try staged.compactMap { entry -> RepositoryFile? in
                    guard Self.isRead(entry, settings) else { return nil }
                    switch entry.kind {
                    case .file: return RepositoryFile(path: entry.path, bytes: try readBlob(entry.id, git: git), blobID: entry.id.hex)
                    case .symlink: return RepositoryFile(path: entry.path, kind: .symlink, bytes: [], blobID: entry.id.hex)
                    case .submodule: return RepositoryFile(path: entry.path, kind: .submodule, bytes: [], blobID: entry.id.hex)
                    }
                }
            }
        } catch let e as GitError {
            throw RepositoryError(e)
        }
    }

    /// A blob's bytes, or its first `limit + 1` bytes' worth of placeholder when it is larger
    /// than the reader's limit (so it is reported, never inflated into memory).
    func readBlob(_ id: ObjectID, git: Repository) throws(GitError) -> [UInt8] {
        if try git.blobSize(id) > fileLimit { return [UInt8](repeating: 0x20, count: fileLimit + 1) }
        return try git.blob(id)
    }

    /// True when compilation reads `entry`: a file the patterns cover, any file in a policy
    /// folder (reported when ignored), and any link where the settings read (a blocker).
    static func isRead(_ entry: TreeEntry, _ settings: RepositorySettings) -> Bool {
        if entry.kind != .file { return settings.readsThrough(entry.path) }
        return settings.role(of: entry.path) != nil || settings.isInPolicyFolder(entry.path)
    }

    /// True when a folder can hold files the settings' patterns match.
    static func mayHoldMatches(_ folder: String, _ settings: RepositorySettings) -> Bool {
        settings.searchRoots.contains { root in
            root.isEmpty || folder == root || folder.hasPrefix(root + "/") || root.hasPrefix(folder + "/")
        }
    }
}
