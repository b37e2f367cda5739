import Engine
import Git
import Hashing
import Policy
import Store

/// A commit as the reconciler runs it: its manifest's policies (valid or not, for status)
/// and the policy set built from its verified IR objects.
struct AppliedCommit {
    var commit: String
    /// The manifest's policies.
    var entries: [ManifestEntry]
    var set: PolicySet

    /// Loads an applied commit back from the state directory (on start): the manifest is
    /// checked against its checksum, every IR, host and UPS object is read, checked against
    /// its address and decoded. A file that fails is named in the error's `damagedFile`.
    static func load(commit: String, state: StateDirectory) throws -> AppliedCommit {
        let manifest: JSON
        switch try state.checkedManifest(commit: commit) {
        case .missing:
            throw RepositoryLoadError("the applied commit \(commit) has no manifest in \(state.root)/commits", damagedFile: state.manifestPath(commit: commit))
        case .damaged(let path, let reason):
            throw RepositoryLoadError("the manifest \(path) of the applied commit fails its check: \(reason)", damagedFile: path)
        case .valid(let json):
            manifest = json
        }
        func object(_ reference: String?) throws -> [UInt8] {
            guard let reference, reference.hasPrefix("sha256:"), let digest = SHA256Digest(hex: reference.dropFirst(7)) else {
                throw RepositoryLoadError("malformed object reference \(reference ?? "null") in the manifest of \(commit)")
            }
            do { return try state.objects.get(digest) } catch {
                let path = state.objects.path(for: digest)
                switch error {
                case .missing: throw RepositoryLoadError("object \(reference) of commit \(commit) is missing (\(path))", damagedFile: path)
                case .corrupt: throw RepositoryLoadError("object \(path) of commit \(commit) fails its content address \(reference)", damagedFile: path)
                case .io(let e): throw RepositoryLoadError("cannot read object \(path) of commit \(commit): \(e)")
                }
            }
        }
        let entries = (manifest["policies"]?.arrayValue ?? []).compactMap(ManifestEntry.init(json:))
        var policies: [RuntimePolicy] = []
        for e in entries where e.status == .compiled {
            guard let json = JSON.parse(try object(e.ir)) else { throw RepositoryLoadError("IR object \(e.ir ?? "") is not JSON") }
            do { policies.append(RuntimePolicy(path: e.path, compiled: try CompiledPolicy(ir: json), ir: e.ir!)) } catch {
                throw RepositoryLoadError("IR object \(e.ir ?? "") of \(e.path) is refused: \(error.message)")
            }
        }
        var hosts: [HostDeclaration] = []
        for h in manifest["hosts"]?.arrayValue ?? [] {
            let (host, _) = HostDeclarationReader.read(path: h["path"]?.stringValue ?? "", bytes: try object(h["object"]?.stringValue))
            if let host { hosts.append(host) }
        }
        var ups: [UPSDeclaration] = []
        for u in manifest["ups"]?.arrayValue ?? [] {
            let (decl, _) = UPSDeclaration.read(path: u["path"]?.stringValue ?? "", bytes: try object(u["object"]?.stringValue))
            if let decl { ups.append(decl) }
        }
        return AppliedCommit(commit: commit, entries: entries,
                             set: PolicySet(commit: commit, policies: policies, hosts: hosts, ups: ups,
                                            timeZone: manifest["timezone"]?.stringValue ?? "UTC"))
    }
}

struct RepositoryLoadError: Error, CustomStringConvertible {
    var message: String
    /// The state directory's file that is missing or fails its check, when that is why:
    /// one that git can give again.
    var damagedFile: String?
    init(_ message: String, damagedFile: String? = nil) {
        self.message = message
        self.damagedFile = damagedFile
    }
    var description: String { message }
}
