#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Policy

/// Events dropped as files into `<state>/inbox/`: written to a temporary name and renamed
/// in (so a reader never sees half an event), named `<ms since epoch>-<id>.json` so they
/// sort by arrival. The reconciler consumes each exactly once: it records the event in the
/// ledger, then removes the file; after a crash between the two, the ledger says it was
/// consumed and the file is removed without acting again.
///
/// Whoever can write here can shut machines down, and whatever is here is read by the
/// reconciler: an entry is opened without following links and without blocking, taken
/// only as a regular file of at most `maximumEventBytes`, and anything else (a FIFO, a
/// link, a folder, a device, an oversize or unreadable file) is refused with the reason.
public struct Inbox: Sendable {
    /// The inbox folder.
    public let folder: String

    /// The largest event file read (64 KiB; an event is a few hundred bytes).
    public static let maximumEventBytes = 65_536

    /// What an inbox entry turned out to be.
    public enum Entry: Sendable, Equatable {
        /// A regular file of bounded size, and its bytes.
        case file([UInt8])
        /// Something that is not an event file, and why ("a FIFO", "larger than ...").
        case refused(reason: String)
        /// It is gone (consumed or moved by someone else meanwhile).
        case vanished
    }

    /// The inbox of a state directory.
    public init(stateDirectory: String) { folder = stateDirectory + "/inbox" }

    /// Drops an event in atomically; returns its file name. The file is private (0600) and,
    /// when written by root into another user's inbox, given to the inbox's owner.
    @discardableResult
    public func put(_ event: JSON, id: String, milliseconds: Int64) throws(FileSystemError) -> String {
        try AtomicFile.makeFolders(folder, mode: 0o700)
        var ms = String(milliseconds)
        while ms.count < 15 { ms = "0" + ms }
        let name = "\(ms)-\(id).json"
        var info = stat()
        let owner: (uid_t, gid_t)? = geteuid() == 0 && stat(folder, &info) == 0 && info.st_uid != 0 ? (info.st_uid, info.st_gid) : nil
        try AtomicFile.write(event.canonicalBytes, to: folder + "/" + name, mode: 0o600, owner: owner)
        return name
    }

    /// The entries waiting, oldest first (temporary files are not events yet); throws when
    /// the inbox exists but cannot be read. A missing inbox has nothing waiting.
    public func waiting() throws(FileSystemError) -> [String] {
        guard let dir = opendir(folder) else {
            if errno == ENOENT { return [] }
            throw FileSystemError("read the inbox", folder)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasSuffix(".json") && !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// The entries waiting, oldest first; none when the inbox cannot be read.
    public func pending() -> [String] { (try? waiting()) ?? [] }

    /// Opens an entry as an event file: no link followed, no blocking open, only a regular
    /// file, at most `maximumEventBytes` read, in bounded time and memory.
    public func take(_ name: String) -> Entry {
        let path = folder + "/" + name
        var before = stat()
        guard lstat(path, &before) == 0 else {
            return errno == ENOENT ? .vanished : .refused(reason: "it cannot be inspected: \(String(cString: strerror(errno)))")
        }
        // Checked before opening: opening a FIFO or a device can block or act.
        if let kind = Self.kind(before.st_mode) { return .refused(reason: "it is \(kind), not a regular file") }
        if Int(before.st_size) > Self.maximumEventBytes { return Self.oversize }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .vanished
            case ELOOP: return .refused(reason: "it is a symbolic link, not a regular file")
            default: return .refused(reason: "it cannot be read: \(String(cString: strerror(errno)))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .refused(reason: "it cannot be inspected: \(String(cString: strerror(errno)))") }
        // Swapped between the look and the open.
        if let kind = Self.kind(info.st_mode) { return .refused(reason: "it is \(kind), not a regular file") }
        var bytes = [UInt8](repeating: 0, count: Self.maximumEventBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .refused(reason: "it cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
        }
        if count > Self.maximumEventBytes { return Self.oversize }
        return .file(Array(bytes[0..<count]))
    }

    static let oversize = Entry.refused(reason: "it is larger than \(maximumEventBytes) bytes")

    /// What a file that is not regular is, in words; nil for a regular file.
    static func kind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "of an unknown type"
        }
    }

    /// The content of a waiting event, nil when it vanished or is not an event file.
    public func read(_ name: String) -> [UInt8]? {
        if case .file(let bytes) = take(name) { return bytes }
        return nil
    }

    /// Removes a consumed event.
    public func remove(_ name: String) { unlink(folder + "/" + name) }

    /// Moves an entry that is not an event aside, into `inbox/rejected/` (never over an
    /// earlier one), so it is kept and never retried; removes it when it cannot be moved.
    /// Returns what was done, in words for the ledger, nil when it could be neither moved
    /// nor removed.
    @discardableResult
    public func reject(_ name: String) -> String? {
        let rejected = folder + "/rejected"
        try? AtomicFile.makeFolders(rejected, mode: 0o700)
        for n in 0..<20 {
            let target = n == 0 ? name : "\(name).\(n)"
            if policyops_renameat2_noreplace(AT_FDCWD, folder + "/" + name, AT_FDCWD, rejected + "/" + target) == 0 {
                return "moved to inbox/rejected/\(target)"
            }
            if errno != EEXIST { break }
        }
        let path = folder + "/" + name
        if unlink(path) == 0 || rmdir(path) == 0 { return "removed (it could not be moved aside)" }
        return nil
    }

    /// The id in an event file's name.
    public static func eventID(fromName name: String) -> String? {
        guard let dash = name.firstIndex(of: "-"), name.hasSuffix(".json") else { return nil }
        return String(name[name.index(after: dash)...].dropLast(5))
    }
}
