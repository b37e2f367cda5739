import Policy
import Store

/// What `policyops status` shows: `status.json` with every policy of the applied commit.
/// The reconciler keeps `status.json` small (counts and the policies that are not active);
/// the others are the applied manifest's entries, active, read here and listed as before.
struct StatusReport {
    /// `status.json` with `policies` (each `path`, `policy_id`, `name`, `status`, `reason`,
    /// `ir`, `version_int`) in the manifest's order.
    var json: JSON
    /// The same policies.
    var policies: [JSON]
    /// Why the active policies cannot be listed (the manifest is missing or damaged): then
    /// only those that are not active are.
    var problem: String?

    /// The report of the state directory `root`, from the `status.json` read there. A
    /// manifest that cannot be read does not fail it: `status` is what one runs when
    /// something is wrong, so it says what it cannot list and lists the rest.
    static func read(root: String, status: JSON) throws(FileSystemError) -> StatusReport {
        // A status.json written before it was kept small lists every policy itself.
        if let listed = status["policies"]?.arrayValue { return StatusReport(json: status, policies: listed, problem: nil) }
        var policies: [JSON] = []
        var problem: String?
        let inactiveLines = status["inactivePolicies"]?.arrayValue ?? []
        // Only `commits/<hex>.json`: the path is read, so nothing else is followed.
        if let file = status["manifest"]?.stringValue, file.hasPrefix("commits/"), file.hasSuffix(".json"),
           case let commit = String(file.dropFirst(8).dropLast(5)), !commit.isEmpty, commit.allSatisfy(\.isHexDigit) {
            let inactive = Dictionary(inactiveLines.compactMap { p in p["path"]?.stringValue.map { ($0, p) } },
                                      uniquingKeysWith: { a, _ in a })
            var manifest = JSON.object([:])
            switch try StateDirectory.checkedManifest(stateDirectory: root, commit: commit) {
            case .missing: problem = "the applied commit \(commit) has no manifest in \(root)/commits"
            case .damaged(let path, let reason):
                problem = "the manifest \(path) is damaged (\(reason)); the reconciler rebuilds it from git when it starts"
            case .valid(let json): manifest = json
            }
            if problem != nil { policies = inactiveLines }
            for e in (manifest["policies"]?.arrayValue ?? []).compactMap(ManifestEntry.init(json:)) {
                let line = inactive[e.path]
                policies.append(.object(["path": .string(e.path), "policy_id": .string(e.policyID), "name": .string(e.name ?? ""),
                                         "status": line?["status"] ?? .string("active"), "reason": line?["reason"] ?? .null,
                                         "ir": e.ir.map(JSON.string) ?? .null, "version_int": e.versionInt.map { .integer(Int64($0)) } ?? .null]))
            }
        } else {
            policies = inactiveLines
        }
        guard case .object(var members) = status else { return StatusReport(json: status, policies: policies, problem: problem) }
        members.removeAll { $0.key == "inactivePolicies" }
        members.append(JSON.Member("policies", .array(policies)))
        if let problem { members.append(JSON.Member("policiesProblem", .string(problem))) }
        return StatusReport(json: .object(members), policies: policies, problem: problem)
    }
}
