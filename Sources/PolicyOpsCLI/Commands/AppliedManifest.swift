import Policy
import Store

/// What the commit a reconciler applied declares, read from its manifest in the state
/// directory: the names `ledger --policy` and `event emit --subject` are checked against.
struct AppliedManifest {
    /// The applied commit's id.
    let commit: String
    /// Its policies' ids and names (valid or not).
    let policies: [(id: String, name: String?)]
    /// Its UPSes' ids, in the order the engine reads them (the first is the default UPS).
    let upsIDs: [String]

    /// The manifest of the commit named by `applied` in `stateDirectory`; nil when nothing
    /// was applied there yet.
    static func read(stateDirectory: String) throws -> AppliedManifest? {
        guard let bytes = try AtomicFile.read(stateDirectory + "/applied") else { return nil }
        let commit = String(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace })
        // Read without StateDirectory(root:), which would make the folders it opens; checked
        // against its checksum (and its chunks against their addresses) as the reconciler checks it.
        let manifest: JSON
        switch try StateDirectory.checkedManifest(stateDirectory: stateDirectory, commit: commit) {
        case .missing:
            throw EnvironmentError("the applied commit \(commit) has no manifest in \(stateDirectory)/commits")
        case .damaged(let path, let reason):
            throw EnvironmentError("the manifest \(path) is damaged (\(reason)); the reconciler rebuilds it from git when it starts")
        case .valid(let json): manifest = json
        }
        return AppliedManifest(
            commit: commit,
            policies: (manifest["policies"]?.arrayValue ?? []).compactMap { p in
                p["policy_id"]?.stringValue.map { (id: $0, name: p["name"]?.stringValue) }
            },
            upsIDs: (manifest["ups"]?.arrayValue ?? []).compactMap { $0["ups_id"]?.stringValue })
    }
}
