import Foundation
import Testing
import TestSupport
import Policy
import Git
@testable import PolicyRepository

/// Links where a policy repository is read: every way of reading a commit sees them.
@Suite struct LinkedEntryTests {
    func codes(_ diagnostics: [Diagnostic], at path: String) -> [DiagnosticCode] {
        diagnostics.filter { $0.file == path }.map(\.code)
    }

    @Test func theIncrementalCheckSeesALinkComeAndGo() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("policies/p.json", Texts.policy())
        let start = try fx.commit("start")
        try FileManager.default.createSymbolicLink(atPath: fx.directory.join("hosts/elsewhere"), withDestinationPath: "/etc")
        let linked = try fx.commit("a link under hosts/")
        fx.write("policies/q.json", Texts.policy(name: "another", value: "105"))
        let edited = try fx.commit("a policy edit while the link stays")
        fx.remove("hosts/elsewhere")
        let unlinked = try fx.commit("the link goes")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        let checker = CommitChecker(view: view, cache: MemoryAnalysisCache())
        var checked: CommitChecker.Checked?
        var seen: [String: (codes: [DiagnosticCode], incremental: Bool)] = [:]
        for hex in [start, linked, edited, unlinked] {
            let id = try view.resolve(hex)
            let (compilation, next, changed) = try checker.check(id, after: checked)
            checked = next
            #expect(compilation.diagnostics == (try checker.check(id)).diagnostics, "\(hex)")
            seen[hex] = (codes(compilation.diagnostics, at: "hosts/elsewhere"), changed != nil)
        }
        #expect(seen[start]?.codes == [])
        #expect(seen[linked]?.codes == [.notRegularFile])
        #expect(seen[linked]?.incremental == false)
        #expect(seen[edited]?.codes == [.notRegularFile])
        #expect(seen[edited]?.incremental == true)
        #expect(seen[unlinked]?.codes == [])
        #expect(seen[unlinked]?.incremental == false)
    }

    @Test func aCommitTheIndexAndTheWorkingTreeReportTheLinkedSettings() throws {
        let fx = try GitFixture()
        fx.write("hosts/h.json", Texts.host)
        fx.write("elsewhere.json", #"{"policies": ["nowhere/*.json"]}"#)
        try FileManager.default.createSymbolicLink(atPath: fx.directory.join("policyops.json"), withDestinationPath: "elsewhere.json")
        try fx.commit("linked settings")
        let view = try RepositoryView.open(fx.path, requireGit: true)
        for snapshot in [try view.snapshot(at: try view.resolve("HEAD")), try view.indexSnapshot(), try view.workingTreeSnapshot()] {
            // Not read: the standard settings stand, and the link is a file of the snapshot.
            #expect(snapshot.settings == .standard, "\(snapshot.source)")
            #expect(snapshot.files.contains { $0.path == "policyops.json" && $0.kind == .symlink }, "\(snapshot.source)")
            let compilation = RepositoryCompiler().compile(settings: snapshot.settings, files: snapshot.files)
            #expect(codes(compilation.diagnostics, at: "policyops.json") == [.notRegularFile], "\(snapshot.source)")
        }
    }

    @Test(arguments: [("policyops.json", true), ("hosts", true), ("hosts/x", true), ("policies/a/b", true), ("ops", false), ("docs/link", false), ("hostsfile", false)])
    func whereTheStandardSettingsRead(_ path: String, _ read: Bool) {
        #expect(RepositorySettings.standard.readsThrough(path) == read)
    }

    @Test func aFolderOnTheWayToAPatternIsRead() throws {
        let (settings, diagnostics) = RepositorySettings.read(bytes: Array(#"{"hosts": ["ops/site/hosts/*.json"]}"#.utf8))
        #expect(diagnostics.isEmpty)
        #expect(settings.readsThrough("ops"))
        #expect(settings.readsThrough("ops/site"))
        #expect(!settings.readsThrough("opsx"))
        #expect(!settings.readsThrough("hosts"))
    }
}
