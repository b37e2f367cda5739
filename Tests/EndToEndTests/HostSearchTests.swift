import Foundation
import Testing
import TestSupport

/// Host names and host labels are searchable, and a policy's query can use the host's
/// labels (issue 8, item 18; SPEC §2: host labels feed the query language and the index).
@Suite struct HostSearchTests {
    static let rackA = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"

    /// example-repo with pve-1's site changed to `dc`, and inventories as a reconciler keeps them.
    func rig() throws -> (repo: TemporaryDirectory, state: TemporaryDirectory) {
        let repo = TemporaryDirectory("repo")
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", repo.path])
        let pve = try #require(repo.read("hosts/pve-1.json"))
        repo.write("hosts/pve-1.json", pve.replacingOccurrences(of: #""site": "lab""#, with: #""site": "dc""#))
        let state = TemporaryDirectory("state")
        state.write("inventory/\(Self.rackA).json", """
        {"host_id": "\(Self.rackA)", "refreshed_at": "2026-01-01T00:00:00Z", "stale": false, "reachable": true, "problem": null,
         "targets": [{"id": "vm:104", "name": "web-1", "state": "running", "labels": {"tier": "web"}},
                     {"id": "vm:110", "name": "db-1", "state": "running", "labels": {"tier": "db"}}]}
        """)
        state.write("inventory/\(Self.pve).json", """
        {"host_id": "\(Self.pve)", "refreshed_at": "2026-01-01T00:00:00Z", "stale": false, "reachable": true, "problem": null,
         "targets": [{"id": "vm:200", "name": "build-1", "state": "stopped", "labels": {"tier": "ci"}}]}
        """)
        return (repo, state)
    }

    func search(_ words: [String], _ rig: (repo: TemporaryDirectory, state: TemporaryDirectory)) throws -> ProcessResult {
        try Paths.policyops(["inventory", "search", "--repo", rig.repo.path, "--state", rig.state.path] + words)
    }

    @Test func aWordFindsTheTargetsOfHostsByNameOrLabel() throws {
        let r = try rig()
        let byLabel = try search(["lab"], r)  // sim-rack-a has site=lab; pve-1 now site=dc
        #expect(byLabel.stdout.contains("vm:104") && byLabel.stdout.contains("vm:110"), "\(byLabel.stdout)")
        #expect(!byLabel.stdout.contains("vm:200"), "\(byLabel.stdout)")
        #expect(byLabel.stdout.contains("2 targets found"))
        let byName = try search(["pve-1"], r)
        #expect(byName.stdout.contains("vm:200") && byName.stdout.contains("1 target found"), "\(byName.stdout)")
        let pair = try search(["site=dc"], r)
        #expect(pair.stdout.contains("vm:200") && pair.stdout.contains("1 target found"), "\(pair.stdout)")
    }

    @Test func theQueryLanguageReachesTheHost() throws {
        let r = try rig()
        let q = try search(["host.label.site=lab and label.tier=web"], r)
        #expect(q.stdout.contains("vm:104") && q.stdout.contains("1 target found"), "\(q.stdout)\(q.stderr)")
        let byName = try search(["host.name=pve-1"], r)
        #expect(byName.stdout.contains("vm:200") && byName.stdout.contains("1 target found"), "\(byName.stdout)\(byName.stderr)")
    }

    @Test func aPolicySelectsByTheHostsLabel() throws {
        let r = try rig()
        r.repo.write("policies/by-host-label.json", """
        {"version": 1, "name": "stop-lab-web",
         "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "\(Self.rackA)", "target_type": "vm", "selector": {"mode": "query", "value": "host.label.site=lab and label.tier=web"}},
         "actions": [{"capability_id": "sim.vm", "verb": "shutdown", "params": {"grace_s": 30}}]}
        """)
        let v = try Paths.policyops(["validate"], directory: r.repo.path)
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }
}
