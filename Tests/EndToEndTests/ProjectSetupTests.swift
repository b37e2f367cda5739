import Foundation
import Testing
import TestSupport

/// The README's commands on a machine that lacks a package, and a project that stands alone.
@Suite struct ProjectSetupTests {
    /// A folder of stand-ins put first on PATH: `apt-get` records its arguments (and its
    /// environment's DEBIAN_FRONTEND), `sudo` records that it ran and runs the rest, `id -u`
    /// answers `uid`.
    private struct FakeSystem {
        let folder = TemporaryDirectory("install-packages")
        var log: String { folder.join("log") }

        init(uid: Int, sudo: Bool) throws {
            try write("apt-get", #"echo "apt-get $* frontend=$DEBIAN_FRONTEND" >> "$LOG""#)
            try write("id", #"if [ "$1" = "-u" ]; then echo \#(uid); else /usr/bin/id "$@"; fi"#)
            if sudo {
                // Like sudo's env_reset: only what is named on the command line reaches the command.
                try write("sudo", #"echo "sudo" >> "$LOG"; exec env -i PATH="$PATH" LOG="$LOG" "$@""#)
            }
            // The few real tools the script needs; nothing else (a real sudo above all) is on PATH.
            for tool in ["dpkg-query", "grep", "dirname", "env"] {
                try FileManager.default.createSymbolicLink(atPath: folder.join(tool), withDestinationPath: "/usr/bin/" + tool)
            }
            try "# a comment\nthis-package-is-not-installed-anywhere  # trailing comment\n\ngit\n"
                .write(toFile: folder.join("packages"), atomically: true, encoding: .utf8)
        }

        private func write(_ name: String, _ body: String) throws {
            let path = folder.join(name)
            try "#!/bin/bash\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }

        func run() throws -> ProcessResult {
            let path = folder.path
            return try ProcessRunner.run("/bin/bash", [Paths.packageRoot + "/.ci/install-packages"], environment: [
                "PATH": path, "LOG": log, "POLICYOPS_PACKAGES": folder.join("packages"),
            ])
        }

        func calls() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    @Test func asRootAPackageMissingIsInstalledWithAptDirectly() throws {
        let system = try FakeSystem(uid: 0, sudo: false)
        let r = try system.run()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("installing: this-package-is-not-installed-anywhere"))
        let calls = system.calls()
        #expect(calls.count == 2, "\(calls)")
        #expect(calls.first?.hasPrefix("apt-get -o DPkg::Lock::Timeout=300 update") == true, "\(calls)")
        #expect(calls.last == "apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 this-package-is-not-installed-anywhere frontend=noninteractive", "\(calls)")
    }

    @Test func asAUserAPackageMissingIsInstalledThroughSudoNoninteractively() throws {
        let system = try FakeSystem(uid: 1000, sudo: true)
        let r = try system.run()
        #expect(r.status == 0, "\(r.stderr)")
        let calls = system.calls()
        #expect(calls == [
            "sudo", "apt-get -o DPkg::Lock::Timeout=300 update -q frontend=noninteractive",
            "sudo", "apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 this-package-is-not-installed-anywhere frontend=noninteractive",
        ], "\(calls)")
    }

    @Test func asAUserWithoutSudoItSaysWhatIsMissing() throws {
        let system = try FakeSystem(uid: 1000, sudo: false)
        let r = try system.run()
        #expect(r.status == 1)
        #expect(r.stderr.contains("missing this-package-is-not-installed-anywhere; not root and no sudo"), "\(r.stderr)")
        #expect(system.calls().isEmpty)
    }

    @Test func nothingIsInstalledWhenNothingIsMissing() throws {
        let system = try FakeSystem(uid: 0, sudo: false)
        try "git\n".write(toFile: system.folder.join("packages"), atomically: true, encoding: .utf8)
        let r = try system.run()
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(system.calls().isEmpty)
    }

    /// A newcomer's clone has no workspace beside it: the tests, CI and benchmarks read only
    /// the project's own files. (Documentation may cite where a fact was looked up; code may not
    /// reach there.)
    @Test func testsCIAndBenchmarksReadNothingOutsideTheProject() throws {
        let outside = [".." + "/shared", "shared" + "/bench", "shared" + "/notes"]
        var offenders: [String] = []
        for folder in ["Tests", ".ci", "bench", "hooks"] {
            let root = Paths.packageRoot + "/" + folder
            guard let files = FileManager.default.enumerator(atPath: root) else { continue }
            for case let file as String in files where !file.contains("__pycache__") && !file.hasSuffix(".md") {
                guard let text = try? String(contentsOfFile: root + "/" + file, encoding: .utf8) else { continue }
                for needle in outside where text.contains(needle) { offenders.append("\(folder)/\(file): \(needle)") }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
