import Foundation
import Testing
import TestSupport

/// The inverse of a policy that selects by `status` must select what the policy left behind
/// (issue 8, item 23): the VMs it stopped, the ports it cut.
@Suite struct InverseStatusTests {
    func inverse(_ policy: String) throws -> (ProcessResult, [String: Any]?) {
        let repo = TemporaryDirectory("repo")
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", repo.path])
        repo.write("policies/by-status.json", policy)
        let r = try Paths.policyops(["inverse", "policies/by-status.json"], directory: repo.path)
        return (r, try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func selector(_ spec: [String: Any]?) -> String? {
        ((spec?["targets"] as? [String: Any])?["selector"] as? [String: Any])?["value"] as? String
    }

    static func vmPolicy(_ query: String) -> String {
        """
        {"version": 1, "name": "stop-running-web",
         "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},
         "targets": {"host_id": "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20", "target_type": "vm", "selector": {"mode": "query", "value": "\(query)"}},
         "actions": [{"capability_id": "sim.vm", "verb": "shutdown", "params": {"grace_s": 30}}]}
        """
    }

    @Test(arguments: [
        ("label.tier=web and status=running", "label.tier=web and status=stopped"),
        ("status!=stopped and name~web-*", "name~web-* and status!=running"),
    ])
    func vmStatusIsRewritten(query: String, inverted: String) throws {
        let (r, spec) = try inverse(Self.vmPolicy(query))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(selector(spec) == inverted, "\(r.stdout)")
        #expect(spec?["needs_input"] as? [String] == ["/trigger_group"])
        #expect(r.stderr.contains("rewritten"), "\(r.stderr)")
    }

    @Test func poeStatusIsRewritten() throws {
        let (r, spec) = try inverse("""
        {"version": 1, "name": "cut-powered-aps",
         "trigger_group": {"triggers": [{"type": "ups.state", "equals": "low_battery"}]},
         "targets": {"host_id": "5b9e2a7c-3d1f-4c8e-a6b4-7e2d9f1c3a51", "target_type": "poe-port", "selector": {"mode": "query", "value": "label.kind=ap and status=on"}},
         "actions": [{"capability_id": "sim.poe.port", "verb": "set", "params": {"state": "off"}}]}
        """)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(selector(spec) == "label.kind=ap and status=off", "\(r.stdout)")
    }

    @Test func aStatusGlobIsLeftToAPerson() throws {
        let (r, spec) = try inverse(Self.vmPolicy("status~run* and label.tier=web"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(selector(spec) == "label.tier=web and status~run*", "\(r.stdout)")
        #expect(spec?["needs_input"] as? [String] == ["/trigger_group", "/targets/selector/value"], "\(r.stdout)")
    }

    @Test func aQueryWithoutStatusIsKept() throws {
        let (r, spec) = try inverse(Self.vmPolicy("label.tier=web"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(selector(spec) == "label.tier=web")
        #expect(spec?["needs_input"] as? [String] == ["/trigger_group"])
    }
}
