import Engine
import Policy
import Store

/// `status.json` in the GitOps convention: the applied and attempted revisions, the
/// conditions `Ready`, `Reconciling` and `Stalled` with reason and message, how many
/// policies have each status, and the policies that are not active with the reason why.
/// The file stays small however large the repository: every other policy of the applied
/// commit is active, and its full list is the manifest's (`manifest`), which `policyops
/// status` reads to list them all.
struct ReconcilerStatus {
    struct Condition {
        var type: String
        var status: Bool
        var reason: String
        var message: String
        var since: Timestamp
    }

    struct PolicyLine {
        var path: String
        var policyID: String
        var name: String
        var status: String
        var reason: String?
        var ir: String?
        var versionInt: Int?

        /// As `status.json` lists a policy that is not active: what the manifest cannot say
        /// (its id, name, IR and version are the manifest's entry).
        var json: JSON {
            .object(["path": .string(path), "status": .string(status), "reason": reason.map(JSON.string) ?? .null])
        }
    }

    var lastAppliedRevision: String?
    var lastAttemptedRevision: String?
    var conditions: [String: Condition] = [:]
    var policies: [PolicyLine] = []

    /// How many policies have each status, the statuses in alphabetical order (as
    /// `policyops status` lists them); a status no policy has is left out.
    static func counts(_ lines: [PolicyLine]) -> [(status: String, count: Int)] {
        var counts: [String: Int] = [:]
        for line in lines { counts[line.status, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The counts in words: "5 active, 2 disabled".
    static func summary(_ lines: [PolicyLine]) -> String {
        let counts = counts(lines)
        return counts.isEmpty ? "no policies" : counts.map { "\($0.count) \($0.status)" }.joined(separator: ", ")
    }

    /// The message of `Ready` while a commit is applied: its counts agree with the list.
    static func readyMessage(commit: String, _ lines: [PolicyLine]) -> String {
        "applied \(commit.prefix(7)): \(summary(lines))"
    }

    mutating func set(_ type: String, _ status: Bool, reason: String, message: String, now: Timestamp) {
        if let c = conditions[type], c.status == status {
            conditions[type] = Condition(type: type, status: status, reason: reason, message: message, since: c.since)
        } else {
            conditions[type] = Condition(type: type, status: status, reason: reason, message: message, since: now)
        }
    }

    /// Takes back the revisions and conditions of a previous run's `status.json`.
    mutating func restore(_ json: JSON) {
        lastAppliedRevision = json["lastAppliedRevision"]?.stringValue
        lastAttemptedRevision = json["lastAttemptedRevision"]?.stringValue
        for c in json["conditions"]?.arrayValue ?? [] {
            guard let type = c["type"]?.stringValue, let since = c["lastTransitionTime"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { continue }
            conditions[type] = Condition(type: type, status: c["status"]?.stringValue == "True", reason: c["reason"]?.stringValue ?? "",
                                         message: c["message"]?.stringValue ?? "", since: since)
        }
    }

    func json(now: Timestamp) -> JSON {
        let counts: [JSON.Member] = Self.counts(policies).map { JSON.Member($0.status, .integer(Int64($0.count))) }
        // Named only once the applied commit's policies are loaded, so that the list the
        // manifest gives always agrees with the counts.
        var manifest = JSON.null
        if !policies.isEmpty, let commit = lastAppliedRevision { manifest = .string("commits/\(commit).json") }
        let inactive: [JSON] = policies.filter { $0.status != "active" }.map(\.json)
        return .object([
            "lastAppliedRevision": lastAppliedRevision.map(JSON.string) ?? .null,
            "lastAttemptedRevision": lastAttemptedRevision.map(JSON.string) ?? .null,
            "observedAt": .string(now.iso8601),
            "conditions": .array(["Ready", "Reconciling", "Stalled"].compactMap { conditions[$0] }.map { c in
                .object(["type": .string(c.type), "status": .string(c.status ? "True" : "False"), "reason": .string(c.reason),
                         "message": .string(c.message), "lastTransitionTime": .string(c.since.iso8601)])
            }),
            "counts": .object(counts),
            "manifest": manifest,
            "inactivePolicies": .array(inactive),
        ])
    }

    func write(to stateDirectory: String, now: Timestamp) throws {
        try AtomicFile.write(Array(json(now: now).pretty().utf8), to: stateDirectory + "/status.json")
    }
}
