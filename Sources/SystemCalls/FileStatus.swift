#if canImport(Glibc)
import Glibc
#endif

/// What `stat(2)` says about a file: its kind, permission bits, size and owner.
public struct FileStatus: Sendable, Hashable {
    /// The kind of file.
    public enum Kind: Sendable, Hashable {
        case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, unknown
    }

    /// The kind of file.
    public var kind: Kind
    /// The permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32
    /// The size in bytes.
    public var size: Int64
    /// The owner's user id.
    public var userID: UInt32
    /// The owner's group id.
    public var groupID: UInt32
    /// The device it is on: with the inode, the file's identity.
    public var device: UInt64
    /// The inode number.
    public var inode: UInt64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        default: kind = .unknown
        }
        permissions = UInt32(info.st_mode & 0o7777)
        size = Int64(info.st_size)
        userID = info.st_uid
        groupID = info.st_gid
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// `stat(2)` (`followingLinks`) or `lstat(2)` of `path`.
    public static func of(_ path: String, followingLinks: Bool = true) throws(Errno) -> FileStatus {
        var info = stat()
        let rc = followingLinks ? stat(path, &info) : lstat(path, &info)
        guard rc == 0 else { throw Errno.current(followingLinks ? "stat" : "lstat", path: path) }
        return FileStatus(info)
    }

    /// The status of `path`, nil when it cannot be had (it does not exist, or is out of reach).
    public static func at(_ path: String, followingLinks: Bool = true) -> FileStatus? {
        try? of(path, followingLinks: followingLinks)
    }
}
