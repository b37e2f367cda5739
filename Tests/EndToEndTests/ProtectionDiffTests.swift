import Foundation
import Testing
import TestSupport

/// A change that weakens port protection is called out (issue 8, item 26): removing a
/// host's protected ports, or a selector that newly covers one, warns in validate (a
/// revision against its parent, or --base) and heads diff; UPS changes appear in diff.
@Suite struct ProtectionDiffTests {
    static let sw = "hosts/sw-core-1.json"
    static let poe = "policies/power/sw-core-poe-off-on-low-battery.json"

    /// example-repo committed, then a second commit that widens the PoE selector to the
    /// uplinks, drops the switch's protection and changes the UPS's poll.
    func weakened() throws -> GitFixture {
        let fx = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", fx.path])
        try fx.commit("policies")
        let poe = try #require(fx.directory.read(Self.poe))
        fx.write(Self.poe, poe.replacingOccurrences(of: #""value": "1/1-1/24""#, with: #""value": "1/1-1/24,1/49""#))
        try fx.commit("cut the first uplink too")
        let sw = try #require(fx.directory.read(Self.sw))
        fx.write(Self.sw, sw.replacingOccurrences(of: #"    "protected_ports": ["1/49-1/52"],"#, with: ""))
        let ups = try #require(fx.directory.read("ups/ups-main.json"))
        fx.write("ups/ups-main.json", ups.replacingOccurrences(of: #""poll": "2s""#, with: #""poll": "5s""#))
        try fx.commit("drop the uplink protection, poll slower")
        return fx
    }

    func warnings(_ r: ProcessResult) throws -> [[String: Any]] {
        try (json(r.stdout)["diagnostics"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == "PO4099" }
    }

    @Test func validateOfARevisionWarnsAgainstItsParent() throws {
        let fx = try weakened()
        let selector = try Paths.policyops(["validate", "--rev", "HEAD~1", "--format", "json"], directory: fx.path)
        #expect(selector.status == 0, "\(selector.stdout)")
        let s = try warnings(selector)
        #expect(s.count == 1, "\(selector.stdout)")
        #expect(s.first?["file"] as? String == Self.poe && s.first?["pointer"] as? String == "/targets/selector/value")
        #expect(s.first?["severity"] as? String == "warn" && s.first?["line"] as? Int == 11)
        #expect((s.first?["message"] as? String)?.contains("1/49") == true)
        let removed = try warnings(try Paths.policyops(["validate", "--rev", "HEAD", "--format", "json"], directory: fx.path))
        #expect(removed.count == 1)
        #expect(removed.first?["file"] as? String == Self.sw)
        #expect((removed.first?["message"] as? String)?.contains("no longer protects 1/49-1/52") == true)
        // Against an explicit base, both; the first commit has no parent to compare with.
        let both = try warnings(try Paths.policyops(["validate", "--rev", "HEAD", "--base", "HEAD~2", "--format", "json"], directory: fx.path))
        #expect(Set(both.compactMap { $0["file"] as? String }) == [Self.sw])
        #expect(try warnings(try Paths.policyops(["validate", "--rev", "HEAD~2", "--format", "json"], directory: fx.path)).isEmpty)
        // The working tree against a base.
        let tree = try warnings(try Paths.policyops(["validate", "--base", "HEAD~2", "--format", "json"], directory: fx.path))
        #expect(tree.count == 1 && tree.first?["file"] as? String == Self.sw)
    }

    @Test func diffCallsItOutFirstAndShowsUPSChanges() throws {
        let fx = try weakened()
        let text = try Paths.policyops(["diff", "HEAD~2", "HEAD~1"], directory: fx.path)
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count > 2 && lines[1].hasPrefix("! port protection: 1 warning"), "\(text.stdout)")
        #expect(lines[2].contains("PO4099 \(Self.poe):11:"), "\(text.stdout)")
        let removal = try Paths.policyops(["diff", "HEAD~1", "HEAD"], directory: fx.path)
        #expect(removal.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("! port protection") == true, "\(removal.stdout)")
        #expect(removal.stdout.contains("no longer protects 1/49-1/52"))
        #expect(removal.stdout.contains("~ ups/ups-main.json  UPS ups-main"), "\(removal.stdout)")
        #expect(removal.stdout.contains("/poll: \"2s\" → \"5s\""), "\(removal.stdout)")
        let markdown = try Paths.policyops(["diff", "HEAD~1", "HEAD", "--format", "markdown"], directory: fx.path)
        let md = markdown.stdout
        let warning = try #require(md.range(of: "Port protection: 1 warning"), "\(md)")
        #expect(md.range(of: "| | policy |").map { warning.lowerBound < $0.lowerBound } ?? true, "\(md)")
        #expect(md.contains("**UPS:** changed `ups-main` (`/poll`)"), "\(md)")
        let report = try json(try Paths.policyops(["diff", "HEAD~1", "HEAD", "--format", "json"], directory: fx.path).stdout)
        #expect((report["protection"] as? [[String: Any]])?.count == 1)
        #expect((report["ups"] as? [[String: Any]])?.first?["change"] as? String == "changed")
    }

    @Test func aChangeThatKeepsProtectionSaysNothing() throws {
        let fx = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/.", fx.path])
        try fx.commit("policies")
        let sw = try #require(fx.directory.read(Self.sw))
        // Split into single ports and widened: nothing protected before is unprotected now.
        fx.write(Self.sw, sw.replacingOccurrences(of: #"["1/49-1/52"]"#, with: #"["1/48-1/50", "1/51", "1/52"]"#))
        try fx.commit("same protection, written otherwise")
        let r = try Paths.policyops(["validate", "--rev", "HEAD", "--format", "json"], directory: fx.path)
        #expect(try warnings(r).isEmpty, "\(r.stdout)")
        #expect(!(try Paths.policyops(["diff", "HEAD~1", "HEAD"], directory: fx.path)).stdout.contains("port protection"))
    }
}
