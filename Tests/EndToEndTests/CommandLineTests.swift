import Foundation
import Testing
import TestSupport

/// The command-line conventions of notes/style.md, on the built binary.
@Suite struct CommandLineTests {
    @Test func helpAndVersion() throws {
        for args in [["--help"], ["-h"], []] {
            let r = try Paths.policyops(args)
            #expect(r.status == 0)
            #expect(r.stdout.contains("OVERVIEW:") && r.stdout.contains("SUBCOMMANDS:") && r.stdout.contains("validate"))
        }
        let sub = try Paths.policyops(["help", "validate"])
        #expect(sub.status == 0)
        #expect(sub.stdout.contains("USAGE: policyops validate") && sub.stdout.contains("ARGUMENTS:") && sub.stdout.contains("OPTIONS:"))
        #expect(try Paths.policyops(["validate", "--help"]).stdout == sub.stdout)
        let version = try Paths.policyops(["--version"])
        #expect(version.status == 0 && version.stdout.split(separator: ".").count == 3)
    }

    /// Every subcommand's help reads as prose: the source's line continuations never show.
    @Test func everySubcommandHasCleanHelp() throws {
        let top = try Paths.policyops(["--help"]).stdout
        let names = top.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return line.hasPrefix("  ") && words.count > 1 && !line.contains("'policyops help") ? String(words[0]) : nil
        } ?? []
        #expect(names.count >= 14 && names.contains("simulate") && names.contains("inverse"), "\(names)")
        for name in names {
            let help = try Paths.policyops(["help", name])
            #expect(help.status == 0 && help.stdout.contains("USAGE: policyops \(name)"), "\(name)")
            #expect(!help.stdout.contains("\\\n") && !help.stdout.contains("\\ "), "\(name) --help shows a backslash")
        }
    }

    @Test(arguments: [["validate", "--frobnicate"], ["validate", "--format", "yaml"], ["validate", "--repo"], ["nosuch"],
                      ["compile", "--repo", "."], ["explain"], ["help", "nosuch"]])
    func usageErrorsExitTwoWithAUsageLine(args: [String]) throws {
        let r = try Paths.policyops(args, directory: Paths.exampleRepo)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(r.stderr.contains("See 'policyops"))
        #expect(r.stdout.isEmpty)
    }

    @Test func optionsTakeBothSpellingsAndDoubleDashEndsOptions() throws {
        let a = try Paths.policyops(["validate", "--repo=\(Paths.exampleRepo)", "--format=json"])
        let b = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--format", "json"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        let c = try Paths.policyops(["validate", "--repo", Paths.exampleRepo, "--", "policies/power/start-web-tier-on-mains.json"], directory: Paths.exampleRepo)
        #expect(c.status == 0)
    }
}
