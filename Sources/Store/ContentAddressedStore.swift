#if canImport(Glibc)
import Glibc
#endif
import Hashing
import Policy
import Synchronization

/// Immutable objects stored under the SHA-256 of their bytes:
/// `ir/sha256/<first 2 hex>/<other 62 hex>.json`. The same object written twice is one file;
/// an object read back is checked against its address.
public struct ContentAddressedStore: Sendable {
    /// The state directory.
    public let root: String
    /// Addresses this process stored or found stored, so that a commit that refers to ten
    /// thousand objects asks the file system about the new ones only. Objects are removed
    /// only by the retention (`StateRetention`), which holds the state lock: never under a
    /// running reconciler, whose set this is.
    private let present = PresentAddresses()

    final class PresentAddresses: Sendable {
        let addresses = Mutex<Set<SHA256Digest>>([])
    }

    /// A store under the state directory `root`.
    public init(root: String) { self.root = root }

    /// Where the object with `address` lives.
    public func path(for address: SHA256Digest) -> String {
        let hex = address.hex
        return "\(root)/ir/sha256/\(hex.prefix(2))/\(hex.dropFirst(2)).json"
    }

    /// Where the object a manifest names (`sha256:<hex>`) lives, nil for a malformed reference.
    public func path(forReference reference: String) -> String? {
        guard reference.hasPrefix("sha256:"), let digest = SHA256Digest(hex: reference.dropFirst(7)) else { return nil }
        return path(for: digest)
    }

    /// True when the object is stored.
    public func contains(_ address: SHA256Digest) -> Bool { AtomicFile.exists(path(for: address)) }

    /// Stores objects that are not yet stored; returns how many were written. Written in a
    /// batch: every new object to a temporary file, one file-system sync, the renames, and
    /// one more sync, so that thousands of objects cost two syncs instead of thousands.
    @discardableResult
    public func put(_ objects: [StoredObject]) throws(FileSystemError) -> Int {
        let unknown = present.addresses.withLock { known in objects.filter { !known.contains($0.address) } }
        var seen = Set<SHA256Digest>()
        var pending: [(temporary: String, final: String, address: SHA256Digest)] = []
        var found: [SHA256Digest] = []
        defer { present.addresses.withLock { $0.formUnion(found) } }
        for object in unknown where seen.insert(object.address).inserted {
            let final = path(for: object.address)
            if AtomicFile.exists(final) {
                found.append(object.address)
                continue
            }
            let folder = AtomicFile.parent(of: final)
            try AtomicFile.makeFolders(folder, mode: 0o700)
            let temporary = AtomicFile.temporaryPath(for: final)
            try AtomicFile.writeFile(object.bytes, to: temporary, mode: 0o400, sync: false)
            pending.append((temporary, final, object.address))
        }
        guard !pending.isEmpty else { return 0 }
        try AtomicFile.syncFileSystem(containing: root)
        for p in pending where rename(p.temporary, p.final) != 0 {
            throw FileSystemError("rename into place", p.final)
        }
        try AtomicFile.syncFileSystem(containing: root)
        found += pending.map(\.address)
        return pending.count
    }

    /// Writes again every object whose file is missing or fails its address (rebuilt from
    /// git, the source of truth); returns the paths written. `put` leaves a present file
    /// alone, so a damaged one is replaced only here.
    @discardableResult
    public func repair(_ objects: [StoredObject]) throws(FileSystemError) -> [String] {
        var written: [String] = []
        var seen = Set<SHA256Digest>()
        for object in objects where seen.insert(object.address).inserted {
            let final = path(for: object.address)
            if let bytes = try AtomicFile.read(final), SHA256.hash(bytes) == object.address { continue }
            try AtomicFile.makeFolders(AtomicFile.parent(of: final))
            try AtomicFile.write(object.bytes, to: final, mode: 0o444)
            written.append(final)
        }
        present.addresses.withLock { $0.formUnion(seen) }
        return written
    }

    /// Why an object cannot be read.
    public enum ReadError: Error, Sendable {
        case missing(String)
        case corrupt(String)
        case io(FileSystemError)
    }

    /// The object with `address`, verified against it.
    public func get(_ address: SHA256Digest) throws(ReadError) -> [UInt8] {
        let p = path(for: address)
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(p) } catch { throw .io(error) }
        guard let bytes else { throw .missing(p) }
        guard SHA256.hash(bytes) == address else { throw .corrupt(p) }
        return bytes
    }
}
