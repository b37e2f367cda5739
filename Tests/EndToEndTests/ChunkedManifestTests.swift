import Foundation
import Testing
import TestSupport

/// A repository large enough that its manifest lists its entries through chunks (SPEC
/// section 5): the readers see every policy, and a damaged chunk is rebuilt from git as a
/// damaged manifest is.
@Suite(.serialized) struct ChunkedManifestTests {
    static let host = "5e1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
    static let count = 300

    func repository() throws -> GitFixture {
        let fx = try GitFixture()
        fx.write("hosts/sim.json", #"{"id": "\#(Self.host)", "name": "sim-host", "driver": "sim", "connection": {"targets": [{"id": "vm:1", "name": "vm-1", "state": "running"}]}}"#)
        for i in 1...Self.count {
            fx.write(String(format: "policies/p%03d.json", i), """
                {"version": 1, "name": "reset-\(i)", "suppression_window": "0s", "idempotency_window": "0s",
                 "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "ev-\(i)"}]},
                 "targets": {"host_id": "\(Self.host)", "target_type": "vm", "selector": {"mode": "list", "value": "1"}},
                 "actions": [{"capability_id": "sim.vm", "verb": "reset"}]}
                """)
        }
        try fx.commit("\(Self.count) policies")
        return fx
    }

    func reconcile(_ repo: GitFixture, _ state: TemporaryDirectory) throws -> ProcessResult {
        try Paths.policyops(["reconcile", "--repo", repo.path, "--state", state.path, "--once", "--no-nut"])
    }

    func emit(_ state: TemporaryDirectory, _ name: String) throws {
        let r = try Paths.policyops(["event", "emit", "--state", state.path, "--kind", "webhook.custom", "--attr", "name=\(name)"])
        try #require(r.status == 0, "\(r.stderr)")
    }

    func executions(_ state: TemporaryDirectory) throws -> Int {
        guard let data = FileManager.default.contents(atPath: "\(state.path)/sim/\(Self.host).json") else { return 0 }
        let sim = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (sim["executions"] as? [[String: Any]] ?? []).count
    }

    @Test func aDamagedChunkIsRebuiltFromGitAndEveryReaderSeesEveryPolicy() throws {
        let repo = try repository()
        let state = TemporaryDirectory("chunked-state")
        try emit(state, "ev-1")
        let first = try reconcile(repo, state)
        try #require(first.status == 0, "\(first.stderr)")
        #expect(try executions(state) == 1)
        let applied = try String(contentsOfFile: state.join("applied"), encoding: .utf8)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state.join("commits/\(applied).json")))) as? [String: Any])
        let chunks = try #require(top["policy_chunks"] as? [String])
        #expect(top["policies"] == nil && chunks.count > 1)
        // Every reader sees every policy: status, ledger --policy by name, event emit checks.
        let status = try json(Paths.policyops(["status", "--state", state.path, "--format", "json"]).stdout)
        #expect((status["policies"] as? [[String: Any]])?.count == Self.count)
        #expect(try Paths.policyops(["ledger", "--state", state.path, "--policy", "reset-250"]).status == 0)

        // Policy p002's status no longer reads as a status, in the chunk that holds it.
        let paths = chunks.map { ref -> String in
            let hex = ref.dropFirst(7)
            return state.join("ir/sha256/\(hex.prefix(2))/\(hex.dropFirst(2)).json")
        }
        let chunk = try #require(paths.first { (try? String(contentsOfFile: $0, encoding: .utf8))?.contains(#""path":"policies/p002.json""#) == true })
        let good = try Data(contentsOf: URL(fileURLWithPath: chunk))
        chmod(chunk, 0o644)
        let text = String(decoding: good, as: UTF8.self)
        let p2 = try #require(text.range(of: #""path":"policies/p002.json","policy_id""#))
        let field = try #require(text.range(of: #""status":"compiled""#, range: p2.upperBound..<text.endIndex))
        try text.replacingCharacters(in: field, with: #""status":"compilec""#).write(toFile: chunk, atomically: false, encoding: .utf8)
        let damaged = try Paths.policyops(["status", "--state", state.path])
        #expect(damaged.status == 0 && damaged.stdout.contains("only the policies that are not active"), "\(damaged.stdout)")

        try emit(state, "ev-2")
        let r = try reconcile(repo, state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rebuilt"), "\(r.stderr)")
        // The policy runs: it was not dropped.
        #expect(try executions(state) == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: chunk)) == good)
        let ledger = try json(Paths.policyops(["ledger", "--state", state.path, "--format", "json", "--limit", "0"]).stdout, array: true)
        let rebuilt = ledger.filter { $0["kind"] as? String == "recovery" && ($0["details"] as? [String: Any])?["rebuilt"] as? Bool == true }
        #expect(rebuilt.count == 1)
        #expect((rebuilt.first?["details"] as? [String: Any])?["file"] as? String == chunk)
        #expect(try Paths.policyops(["ledger", "--state", state.path, "--verify"]).status == 0)
    }
}
