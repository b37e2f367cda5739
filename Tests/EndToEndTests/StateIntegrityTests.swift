import Foundation
import Testing
import TestSupport

/// The state directory's files damaged on disk (SPEC section 18, "Files"), then a real
/// reconciler started on them with the sim driver: every fault is found, recovered from git
/// or reported, and nothing runs twice.
@Suite(.serialized) struct StateIntegrityTests {
    static let host = "5e1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"

    /// Three policies, each resetting one VM on its own webhook event.
    func repository() throws -> GitFixture {
        let fx = try GitFixture()
        let targets = (1...3).map { #"{"id": "vm:\#($0)", "name": "vm-\#($0)", "state": "running"}"# }.joined(separator: ", ")
        fx.write("hosts/sim.json", #"{"id": "\#(Self.host)", "name": "sim-host", "driver": "sim", "connection": {"targets": [\#(targets)]}}"#)
        for i in 1...3 { fx.write("policies/p\(i).json", policy(i)) }
        try fx.commit("three policies")
        return fx
    }

    func policy(_ i: Int) -> String {
        """
        {"version": 1, "name": "reset-vm-\(i)", "suppression_window": "0s", "idempotency_window": "0s",
         "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "ev-\(i)"}]},
         "targets": {"host_id": "\(Self.host)", "target_type": "vm", "selector": {"mode": "list", "value": "\(i)"}},
         "actions": [{"capability_id": "sim.vm", "verb": "reset"}]}
        """
    }

    @discardableResult
    func emit(_ state: TemporaryDirectory, _ name: String) throws -> String {
        let r = try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "webhook.custom", "--attr", "name=\(name)"])
        try #require(r.status == 0, "\(r.stderr)")
        return String(r.stdout.split(separator: " ")[4])
    }

    func reconcile(_ repo: GitFixture, _ state: TemporaryDirectory) throws -> ProcessResult {
        try Paths.policyops(["reconcile", "--repo", repo.path, "--state", state.path, "--once", "--no-nut"])
    }

    /// The targets the sim host ran, in order.
    func executions(_ state: TemporaryDirectory) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: "\(state.path)/sim/\(Self.host).json") else { return [] }
        let sim = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (sim["executions"] as? [[String: Any]] ?? []).compactMap { $0["target"] as? String }
    }

    func ledger(_ state: TemporaryDirectory) throws -> [[String: Any]] {
        try json(Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"]).stdout, array: true)
    }

    func details(_ record: [String: Any]) -> [String: Any] { record["details"] as? [String: Any] ?? [:] }

    /// A state directory where the repository's commit is applied and vm:1 was reset once.
    func started() throws -> (GitFixture, TemporaryDirectory, String) {
        let repo = try repository()
        let state = TemporaryDirectory("integrity-state")
        try emit(state, "ev-1")
        let first = try reconcile(repo, state)
        try #require(first.status == 0, "\(first.stderr)")
        try #require(try executions(state) == ["vm:1"])
        let applied = try String(contentsOfFile: state.join("applied"), encoding: .utf8)
        return (repo, state, applied)
    }

    /// Replaces the first occurrence of `old` in a file (made writable first: IR objects are 0444).
    func damage(_ path: String, replacing old: String, with new: String) throws {
        chmod(path, 0o644)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let range = try #require(text.range(of: old), "\(old) not in \(path)")
        try text.replacingCharacters(in: range, with: new).write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func aFlippedByteInTheManifestIsRebuiltFromGitAndRecorded() throws {
        let (repo, state, applied) = try started()
        let manifest = state.join("commits/\(applied).json")
        let good = try Data(contentsOf: URL(fileURLWithPath: manifest))
        // One byte: policy p2's status no longer reads as a status, which dropped the policy.
        let text = String(decoding: good, as: UTF8.self)
        let p2 = try #require(text.range(of: #""path":"policies/p2.json","policy_id""#))
        let status = try #require(text.range(of: #""status":"compiled""#, range: p2.upperBound..<text.endIndex))
        try text.replacingCharacters(in: status, with: #""status":"compilec""#).write(toFile: manifest, atomically: false, encoding: .utf8)

        try emit(state, "ev-2")
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rebuilt"), "\(r.stderr)")
        // The policy runs: it was not dropped; and vm:1 did not run again.
        #expect(try executions(state) == ["vm:1", "vm:2"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: manifest)) == good)
        let rebuilt = try ledger(state).filter { $0["kind"] as? String == "recovery" && details($0)["rebuilt"] as? Bool == true }
        #expect(rebuilt.count == 1)
        #expect(details(rebuilt.first ?? [:])["file"] as? String == manifest)
        #expect(try Paths.policyops(["ledger", "--state", state.path, "--verify"]).status == 0)
    }

    @Test func aCorruptIRObjectIsRebuiltFromGitAndRecorded() throws {
        let (repo, state, applied) = try started()
        let manifest = try String(contentsOfFile: state.join("commits/\(applied).json"), encoding: .utf8)
        let p1 = try #require(manifest.range(of: #""path":"policies/p1.json""#))
        let irStart = try #require(manifest.range(of: #""ir":"sha256:"#, options: .backwards, range: manifest.startIndex..<p1.lowerBound))
        let hex = String(manifest[irStart.upperBound...].prefix(64))
        let object = state.join("ir/sha256/\(hex.prefix(2))/\(hex.dropFirst(2)).json")
        let good = try Data(contentsOf: URL(fileURLWithPath: object))
        try damage(object, replacing: "reset", with: "resex")

        try emit(state, "ev-1")
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try executions(state) == ["vm:1", "vm:1"], "the policy runs for its new event, on its rebuilt IR")
        #expect(try Data(contentsOf: URL(fileURLWithPath: object)) == good)
        let rebuilt = try ledger(state).filter { $0["kind"] as? String == "recovery" && details($0)["rebuilt"] as? Bool == true }
        #expect(rebuilt.count == 1)
        #expect(details(rebuilt.first ?? [:])["file"] as? String == object)
        #expect((details(rebuilt.first ?? [:])["objects_rewritten"] as? [String]) == [object])
    }

    @Test func aDamagedManifestWhoseCommitGitNoLongerHasStalls() throws {
        let (repo, state, applied) = try started()
        try damage(state.join("commits/\(applied).json"), replacing: "reset-vm-3", with: "reset-vm-9")
        // The commit rewritten and collected, as after a force push and gc.
        repo.write("policies/p3.json", policy(3).replacingOccurrences(of: "reset-vm-3", with: "reset-vm-three"))
        _ = try repo.git(["commit", "-q", "-a", "--amend", "-m", "rewritten"])
        _ = try repo.git(["reflog", "expire", "--expire=now", "--all"])
        _ = try repo.git(["gc", "-q", "--prune=now"])
        #expect(throws: (any Error).self) { try repo.git(["cat-file", "-e", applied]) }
        try emit(state, "ev-1")
        let r = try reconcile(repo, state)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("git cannot give commit \(applied)"), "\(r.stderr)")
        #expect(try executions(state) == ["vm:1"])
        let status = try json(Paths.policyops(["status", "--state", state.path, "--format", "json"]).stdout)
        let stalled = (status["conditions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "Stalled" }
        #expect(stalled?["status"] as? String == "True")
        #expect(stalled?["reason"] as? String == "StateCorrupt")
        let notRebuilt = try ledger(state).filter { $0["kind"] as? String == "recovery" && details($0)["rebuilt"] as? Bool == false }
        #expect(notRebuilt.count == 1)
    }

    /// The ledger's one segment and its lines.
    func segment(_ state: TemporaryDirectory) throws -> (String, [Data]) {
        let path = state.join("ledger/seg-000001.log")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return (path, data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map { Data($0) })
    }

    @Test func aLedgerCutAtARecordBoundaryStopsTheReconcilerAndFailsVerify() throws {
        let (repo, state, _) = try started()
        // Cut right after the decision that scheduled vm:1: what followed (its start and its
        // execution) is lost, as if the file system had lost the ledger's end.
        let (path, lines) = try segment(state)
        let decision = try #require(lines.lastIndex { String(decoding: $0, as: UTF8.self).contains(#""kind":"decision""#) })
        var kept = Data()
        for line in lines[...decision] { kept += line + Data([0x0A]) }
        try kept.write(to: URL(fileURLWithPath: path))

        let verify = try Paths.policyops(["ledger", "--state", state.path, "--verify"])
        #expect(verify.status != 0, "\(verify.stdout)")
        #expect(verify.stderr.contains("missing at its end"), "\(verify.stderr)")
        let r = try reconcile(repo, state)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("missing at its end"), "\(r.stderr)")
        #expect(try executions(state) == ["vm:1"], "nothing ran a second time")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == kept, "nothing was appended to the cut ledger")
        let status = try json(Paths.policyops(["status", "--state", state.path, "--format", "json"]).stdout)
        let stalled = (status["conditions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "Stalled" }
        #expect(stalled?["reason"] as? String == "StateCorrupt")
    }

    @Test func aCompleteLastRecordThatFailsItsChecksumIsCorruptionNotATornTail() throws {
        let (repo, state, _) = try started()
        let (path, lines) = try segment(state)
        var last = try #require(lines.last)
        // A byte of the last record's JSON, its newline kept.
        let brace = try #require(last.lastIndex(of: UInt8(ascii: "}")))
        last[brace - 1] = last[brace - 1] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        var damaged = Data()
        for line in lines.dropLast() { damaged += line + Data([0x0A]) }
        let offset = damaged.count
        damaged += last + Data([0x0A])
        try damaged.write(to: URL(fileURLWithPath: path))

        let verify = try Paths.policyops(["ledger", "--state", state.path, "--verify"])
        #expect(verify.status != 0, "\(verify.stdout)")
        let r = try reconcile(repo, state)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("seg-000001.log is corrupt at byte \(offset)"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged, "the record was not cut")
        #expect(try executions(state) == ["vm:1"])
    }

    @Test func aStaleStatusFileDoesNotStopTheTipFromBeingApplied() throws {
        let (repo, state, first) = try started()
        repo.write("policies/p3.json", policy(3).replacingOccurrences(of: "reset-vm-3", with: "reset-vm-three"))
        let tip = try repo.commit("rename p3")
        // As status.json is left when `applied` could not be written (a full disk): the tip
        // attempted, and not applied.
        let statusURL = URL(fileURLWithPath: state.join("status.json"))
        var status = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: statusURL)) as? [String: Any])
        #expect(status["lastAttemptedRevision"] as? String == first)
        status["lastAttemptedRevision"] = tip
        try JSONSerialization.data(withJSONObject: status).write(to: statusURL)
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: state.join("applied"), encoding: .utf8) == tip)
        let applies = try ledger(state).filter { $0["kind"] as? String == "commit" && details($0)["status"] as? String == "applied" }
        #expect(applies.compactMap { $0["commit"] as? String } == [first, tip])
    }

    @Test func aDeletedStatusFileDoesNotApplyTheTipTwice() throws {
        let (repo, state, first) = try started()
        try FileManager.default.removeItem(atPath: state.join("status.json"))
        try emit(state, "ev-3")
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        let applies = try ledger(state).filter { $0["kind"] as? String == "commit" && details($0)["status"] as? String == "applied" }
        #expect(applies.compactMap { $0["commit"] as? String } == [first])
        #expect(try executions(state) == ["vm:1", "vm:3"])
    }

    @Test func aRefusedTipIsNotRefusedAgainWithoutStatusFile() throws {
        let (repo, state, first) = try started()
        repo.write("policies/p2.json", "{not json")
        let refused = try repo.commit("a blocker")
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        try FileManager.default.removeItem(atPath: state.join("status.json"))
        let again = try reconcile(repo, state)
        #expect(again.status == 0, "\(again.stderr)")
        let commits = try ledger(state).filter { $0["kind"] as? String == "commit" }
        #expect(commits.map { "\(details($0)["status"] ?? ""):\($0["commit"] ?? "")" } == ["applied:\(first)", "refused:\(refused)"])
        #expect(try String(contentsOfFile: state.join("applied"), encoding: .utf8) == first)
    }
}
