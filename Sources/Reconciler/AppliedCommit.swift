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

    /// Loads an applied commit back from the state directory (on start): every IR, host and
    /// UPS object is read, checked against its address and decoded.
    static func load(commit: String, state: StateDirectory) throws -> AppliedCommit {
        guard let manifest = try state.manifest(commit: commit) else {
            throw RepositoryLoadError("the applied commit \(commit) has no manifest in \(state.root)/commits")
        }
        func object(_ reference: String?) throws -> [UInt8] {
            guard let reference, reference.hasPrefix("sha256:"), let digest = SHA256Digest(hex: reference.dropFirst(7)) else {
                throw RepositoryLoadError("malformed object reference \(reference ?? "null") in the manifest of \(commit)")
            }
            do { return try state.objects.get(digest) } catch {
                throw RepositoryLoadError("object \(reference) of commit \(commit) is missing or corrupt (\(error)); compile the commit again")
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
    init(_ message: String) { self.message = message }
    var description: String { message }
}
