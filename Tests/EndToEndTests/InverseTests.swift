import Foundation
import Testing
import TestSupport

/// `policyops inverse`: actions undone through the catalog, written disabled with what a
/// person must still decide, refused by validate until they have.
@Suite struct InverseTests {
    func copy() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("repo")
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", dir.path])
        return dir
    }

    @Test func anInverseIsWrittenDisabledAndValidateWaitsForAPerson() throws {
        let repo = try copy()
        let r = try Paths.policyops(["inverse", "policies/power/cut-poe-on-low-battery.json", "--output", "policies/power/restore-poe.json"],
                                    directory: repo.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("fill in /trigger_group, then delete needs_input"))
        let written = try #require(repo.read("policies/power/restore-poe.json"))
        let spec = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        #expect(spec["enabled"] as? Bool == false && spec["name"] as? String == "cut-ap-poe-on-low-battery-inverse")
        let action = try #require((spec["actions"] as? [[String: Any]])?.first)
        #expect(action["verb"] as? String == "set" && (action["params"] as? [String: Any])?["state"] as? String == "on")
        #expect(spec["needs_input"] as? [String] == ["/trigger_group"])
        // Not finished: validate says where a person is needed.
        let refused = try Paths.policyops(["validate"], directory: repo.path)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("policies/power/restore-poe.json") && refused.stdout.contains("still needs a person at /trigger_group"))
        // A person decides: mains back, no conditions; needs_input goes.
        var finished = spec
        finished["needs_input"] = nil
        finished["trigger_group"] = ["triggers": [["type": "timer.after", "after": "5m", "since_event": ["type": "ups.state", "equals": "on_mains"]]]]
        finished["conditions"] = ["all": []]
        try JSONSerialization.data(withJSONObject: finished).write(to: URL(fileURLWithPath: repo.join("policies/power/restore-poe.json")))
        let ok = try Paths.policyops(["validate"], directory: repo.path)
        #expect(ok.status == 0, "\(ok.stdout)")
        // The file is not overwritten.
        let again = try Paths.policyops(["inverse", "policies/power/cut-poe-on-low-battery.json", "--output", "policies/power/restore-poe.json"],
                                        directory: repo.path)
        #expect(again.status == 2 && again.stderr.contains("exists"))
    }

    @Test func verbsWithoutAnInverseAreReportedNotGuessed() throws {
        let repo = try copy()
        let cycle = try Paths.policyops(["inverse", "policies/maintenance/weekly-ap-power-cycle.json"], directory: repo.path)
        #expect(cycle.status == 1 && cycle.stdout.isEmpty)
        #expect(cycle.stderr.contains("at /actions/0: set state cycle has no inverse") && cycle.stderr.contains("nothing written"))
        repo.write("policies/mixed.json", """
        {"version": 1, "name": "mixed",
         "trigger_group": {"triggers": [{"type": "webhook.custom", "name": "drill"}]},
         "conditions": {"all": [{"scope": "ups", "field": "state", "op": "=", "value": "on_mains"}]},
         "targets": {"host_id": "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20", "target_type": "vm", "selector": {"mode": "list", "value": "104"}},
         "actions": [{"capability_id": "sim.vm", "verb": "reset", "params": {"confirm": true}},
                     {"capability_id": "sim.vm", "verb": "stop", "params": {"confirm": true}}]}
        """)
        let mixed = try Paths.policyops(["inverse", "policies/mixed.json"], directory: repo.path)
        #expect(mixed.status == 0)
        #expect(mixed.stderr.contains("at /actions/0: sim.vm reset has no inverse; left out of the inverse"))
        let spec = try #require(try JSONSerialization.jsonObject(with: Data(mixed.stdout.utf8)) as? [String: Any])
        #expect((spec["actions"] as? [[String: Any]])?.map { $0["verb"] as? String } == ["start"])
        #expect((spec["notes"] as? String)?.contains("Not inverted: /actions/0 (sim.vm reset has no inverse)") == true)
        #expect(spec["needs_input"] as? [String] == ["/trigger_group", "/conditions"])
        repo.write("policies/broken.json", "{\"version\": 1}")
        let broken = try Paths.policyops(["inverse", "policies/broken.json"], directory: repo.path)
        #expect(broken.status == 1 && broken.stderr.contains("has blockers"))
    }
}
