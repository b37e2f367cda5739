import Foundation
import Testing
import TestSupport

/// Glibc is imported by the system layer alone (issue 10, item 6).
@Suite struct SystemLayerTests {
    /// Folders of Sources/ that still import Glibc themselves, for now. Each is being
    /// rewritten on a branch of its own; move it onto SystemCalls, then strike it here.
    static let knownExceptions: Set<String> = [
        "Reconciler",  // the reconciler's services (issue 10, item 1)
        "Store",  // chunked manifests and retention (issue 10, item 4)
    ]

    /// Every Swift file under Sources/, relative to it, with its text.
    static func sources() throws -> [(path: String, text: String)] {
        let root = Paths.packageRoot + "/Sources"
        let files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".swift") }.sorted()
        return try files.map { ($0, try String(contentsOfFile: root + "/" + $0, encoding: .utf8)) }
    }

    /// The module (`import Glibc`, `import Darwin`, `@_implementationOnly import Glibc`…)
    /// names a C library of the platform.
    static func importsPlatformLibrary(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let words = line.split(separator: " ").map(String.init)
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count else { return false }
            return ["Glibc", "Darwin", "Musl", "Bionic"].contains(words[i + 1])
        }
    }

    @Test func onlyTheSystemLayerImportsGlibc() throws {
        let offenders = try Self.sources().filter { file in
            let module = String(file.path.split(separator: "/")[0])
            return module != "SystemCalls" && !Self.knownExceptions.contains(module) && Self.importsPlatformLibrary(file.text)
        }.map(\.path)
        #expect(offenders == [], "import SystemCalls instead; it alone calls into the C library")
    }

    @Test func theSystemLayerImportsGlibc() throws {
        #expect(try Self.sources().contains { $0.path.hasPrefix("SystemCalls/") && Self.importsPlatformLibrary($0.text) })
    }

    /// An exception that no longer imports Glibc is struck from the list, so it cannot come back.
    @Test(arguments: knownExceptions.sorted())
    func aKnownExceptionStillNeedsIt(_ module: String) throws {
        #expect(try Self.sources().contains { $0.path.hasPrefix(module + "/") && Self.importsPlatformLibrary($0.text) },
                "\(module) no longer imports Glibc: remove it from knownExceptions")
    }

    @Test(arguments: ["import Glibc", "@preconcurrency import Glibc", "internal import Darwin", "#if canImport(Glibc)\nimport Glibc\n#endif"])
    func recognisesAnImport(_ text: String) {
        #expect(Self.importsPlatformLibrary(text))
    }

    @Test(arguments: ["import GlibcExtras", "// Glibc is imported by SystemCalls", "import SystemCalls"])
    func ignoresWhatIsNotOne(_ text: String) {
        #expect(!Self.importsPlatformLibrary(text))
    }
}
