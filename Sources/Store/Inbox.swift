#if canImport(Glibc)
import Glibc
#endif
import Policy

/// Events dropped as files into `<state>/inbox/`: written to a temporary name and renamed
/// in (so a reader never sees half an event), named `<ms since epoch>-<id>.json` so they
/// sort by arrival. The reconciler consumes each exactly once: it records the event in the
/// ledger, then removes the file; after a crash between the two, the ledger says it was
/// consumed and the file is removed without acting again.
public struct Inbox: Sendable {
    /// The inbox folder.
    public let folder: String

    /// The inbox of a state directory.
    public init(stateDirectory: String) { folder = stateDirectory + "/inbox" }

    /// Drops an event in atomically; returns its file name.
    @discardableResult
    public func put(_ event: JSON, id: String, milliseconds: Int64) throws(FileSystemError) -> String {
        try AtomicFile.makeFolders(folder)
        var ms = String(milliseconds)
        while ms.count < 15 { ms = "0" + ms }
        let name = "\(ms)-\(id).json"
        try AtomicFile.write(event.canonicalBytes, to: folder + "/" + name)
        return name
    }

    /// The events waiting, oldest first (temporary files are not events yet).
    public func pending() -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasSuffix(".json") && !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// The content of a waiting event, nil when it vanished.
    public func read(_ name: String) -> [UInt8]? { try? AtomicFile.read(folder + "/" + name) }

    /// Removes a consumed event.
    public func remove(_ name: String) { unlink(folder + "/" + name) }

    /// Moves an event that cannot be read aside, into `inbox/rejected/`, so it is kept and
    /// never retried.
    public func reject(_ name: String) {
        try? AtomicFile.makeFolders(folder + "/rejected")
        rename(folder + "/" + name, folder + "/rejected/" + name)
    }

    /// The id in an event file's name.
    public static func eventID(fromName name: String) -> String? {
        guard let dash = name.firstIndex(of: "-"), name.hasSuffix(".json") else { return nil }
        return String(name[name.index(after: dash)...].dropLast(5))
    }
}
