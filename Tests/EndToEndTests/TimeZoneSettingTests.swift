import Foundation
import Testing
import TestSupport

/// `policyops.json` `timezone` must name a zone the system knows (issue 8, item 15).
@Suite struct TimeZoneSettingTests {
    func repo(timezone: String) throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("repo")
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", dir.path])
        dir.write("policyops.json", "{\"timezone\": \"\(timezone)\"}\n")
        return dir
    }

    @Test func anUnknownZoneIsABlocker() throws {
        let dir = try repo(timezone: "Mars/Olympus")
        let r = try Paths.policyops(["validate", "--format", "json"], directory: dir.path)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let report = try json(r.stdout)
        let d = try #require((report["diagnostics"] as? [[String: Any]])?.first { $0["code"] as? String == "PO4003" }, "\(r.stdout)")
        #expect(d["severity"] as? String == "blocker")
        #expect(d["file"] as? String == "policyops.json")
        #expect(d["pointer"] as? String == "/timezone")
        #expect((d["message"] as? String)?.contains("Mars/Olympus") == true)
    }

    @Test(arguments: ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
    func knownZonesPass(zone: String) throws {
        let dir = try repo(timezone: zone)
        let r = try Paths.policyops(["validate"], directory: dir.path)
        #expect(r.status == 0, "\(zone): \(r.stdout)\(r.stderr)")
    }
}
