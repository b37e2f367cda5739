import Foundation
import Testing
import TestSupport

/// A symbolic link (git mode 120000) or a gitlink (a submodule entry, mode 160000) where a
/// policy repository's files are read is a blocker (PO4004), in a commit, in a push and in
/// the working tree: what a reviewer sees must be what runs, and a link is never followed.
@Suite(.serialized) struct LinkRefusalTests {
    /// How a link gets into the tree.
    enum Link: String, CaseIterable, CustomStringConvertible {
        case symlinkedSettings, gitlinkSettings
        case symlinkUnderHosts, gitlinkUnderHosts, gitlinkNamedJSON
        case symlinkedHostsFolder, gitlinkUPSFolder, symlinkUnderACustomGlob

        var description: String { rawValue }

        /// The path the diagnostic names.
        var path: String {
            switch self {
            case .symlinkedSettings, .gitlinkSettings: return "policyops.json"
            case .symlinkUnderHosts: return "hosts/elsewhere"
            case .gitlinkUnderHosts: return "hosts/vendor"
            case .gitlinkNamedJSON: return "hosts/vendor.json"
            case .symlinkedHostsFolder: return "hosts"
            case .gitlinkUPSFolder: return "ups"
            case .symlinkUnderACustomGlob: return "site/extra/link"
            }
        }

        var isGitlink: Bool { [.gitlinkSettings, .gitlinkUnderHosts, .gitlinkNamedJSON, .gitlinkUPSFolder].contains(self) }

        /// Makes the link in `fx`'s working tree (a symlink) or index (a gitlink) and commits.
        func commit(into fx: GitFixture, outside: TemporaryDirectory) throws {
            if self == .symlinkUnderACustomGlob {
                fx.write("policyops.json", #"{"policies": ["policies/**/*.json", "site/**/*.json"]}"#)
                fx.write("site/extra/one.json", fx.directory.read(startTimer)!.replacingOccurrences(of: "start-web-tier-on-mains", with: "site-one").replacingOccurrences(of: "104-108", with: "120"))
            }
            if isGitlink {
                try fx.commit("before the gitlink")
                let target = try fx.git(["rev-parse", "HEAD"])
                if path == "ups" { try fx.git(["rm", "-q", "-r", "--cached", "ups"]) }
                try fx.git(["update-index", "--add", "--cacheinfo", "160000,\(target),\(path)"])
                try fx.git(["commit", "-q", "-m", "a gitlink at \(path)"])
                return
            }
            outside.write("settings.json", #"{"hook": {"refs": ["refs/heads/nothing"]}}"#)
            outside.write("hosts/evil.json", "{")
            outside.write("plain.json", "{}")
            if path == "hosts" { fx.remove("hosts") }
            let destination: String
            switch self {
            case .symlinkedSettings: destination = outside.join("settings.json")
            case .symlinkedHostsFolder: destination = outside.join("hosts")
            default: destination = outside.join("plain.json")
            }
            try FileManager.default.createSymbolicLink(atPath: fx.directory.join(path), withDestinationPath: destination)
            try fx.commit("a symbolic link at \(path)")
        }
    }

    func repository() throws -> GitFixture {
        let fx = try GitFixture()
        try ProcessRunner.tool("cp", ["-R", Paths.exampleRepo + "/hosts", Paths.exampleRepo + "/policies", Paths.exampleRepo + "/ups", fx.path])
        try fx.commit("initial policies")
        return fx
    }

    /// `validate` with `arguments`: exit status and the diagnostics as (code, severity, file).
    func validate(_ fx: GitFixture, _ arguments: [String]) throws -> (Int32, [(code: String, severity: String, file: String)]) {
        let r = try Paths.policyops(["validate", "--repo", fx.path, "--format", "json"] + arguments)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\(r.stderr)")
        let diagnostics = (object["diagnostics"] as? [[String: Any]] ?? []).map {
            (code: $0["code"] as? String ?? "", severity: $0["severity"] as? String ?? "", file: $0["file"] as? String ?? "")
        }
        return (r.status, diagnostics)
    }

    @Test(arguments: Link.allCases)
    func aLinkInACommitIsABlocker(_ link: Link) throws {
        let fx = try repository()
        let outside = TemporaryDirectory("outside")
        try link.commit(into: fx, outside: outside)
        let (status, diagnostics) = try validate(fx, ["--rev", "HEAD"])
        #expect(status == 1, "\(diagnostics)")
        #expect(diagnostics.contains { $0.code == "PO4004" && $0.severity == "blocker" && $0.file == link.path }, "\(diagnostics)")
        // Nothing behind a link is read.
        #expect(!diagnostics.contains { $0.file.contains("evil") })
    }

    @Test(arguments: Link.allCases.filter { !$0.isGitlink })
    func aLinkOnDiskIsABlockerAndIsNotFollowed(_ link: Link) throws {
        let fx = try repository()
        let outside = TemporaryDirectory("outside")
        try link.commit(into: fx, outside: outside)
        let (status, diagnostics) = try validate(fx, [])
        #expect(status == 1, "\(diagnostics)")
        #expect(diagnostics.contains { $0.code == "PO4004" && $0.severity == "blocker" && $0.file == link.path }, "\(diagnostics)")
        #expect(!diagnostics.contains { $0.file.contains("evil") }, "\(diagnostics)")
    }

    /// A submodule's checkout on disk (a folder holding `.git`) is not read as the repository's own files.
    @Test(arguments: ["hosts/vendor", "ups"])
    func aSubmoduleCheckoutOnDiskIsABlockerAndIsNotEntered(_ path: String) throws {
        let fx = try repository()
        if path == "ups" { fx.remove("ups") }
        fx.write(path + "/.git", "gitdir: ../.git/modules/vendor\n")
        fx.write(path + "/evil.json", "{")
        let (status, diagnostics) = try validate(fx, [])
        #expect(status == 1, "\(diagnostics)")
        #expect(diagnostics.contains { $0.code == "PO4004" && $0.severity == "blocker" && $0.file == path }, "\(diagnostics)")
        #expect(!diagnostics.contains { $0.file.contains("evil") }, "\(diagnostics)")
    }

    @Test func theSameTreeWithoutLinksIsClean() throws {
        let fx = try repository()
        #expect(try validate(fx, ["--rev", "HEAD"]).0 == 0)
        #expect(try validate(fx, []).0 == 0)
    }

    @Test(arguments: [Link.symlinkedSettings, .gitlinkUnderHosts, .symlinkedHostsFolder, .gitlinkNamedJSON])
    func thePreReceiveHookRejectsALink(_ link: Link) throws {
        let rig = try PushRig()
        let outside = TemporaryDirectory("outside")
        let before = try rig.serverRef("main")
        try link.commit(into: rig.clone, outside: outside)
        let r = try rig.push()
        #expect(r.status != 0, "\(r.stderr)")
        #expect(r.stderr.contains("remote:   \(link.path):1:1: PO4004"), "\(r.stderr)")
        #expect(try rig.serverRef("main") == before)
    }

    @Test func thePreCommitHookRefusesAStagedLink() throws {
        let fx = try repository()
        let install = try Paths.policyops(["hook", "install", "--git-dir", fx.path + "/.git", "--kind", "pre-commit"])
        #expect(install.status == 0)
        let target = try fx.git(["rev-parse", "HEAD"])
        try fx.git(["update-index", "--add", "--cacheinfo", "160000,\(target),hosts/vendor"])
        let r = try ProcessRunner.tool("git", ["commit", "-q", "-m", "gitlink"], directory: fx.path, environment: fx.environment())
        #expect(r.status != 0)
        #expect(r.stderr.contains("hosts/vendor:1:1: blocker PO4004"), "\(r.stderr)")
    }
}
