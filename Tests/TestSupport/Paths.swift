import Foundation

/// Where the package and its built products are.
public enum Paths {
    /// The package's root folder.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built `policyops` binary: next to the test bundle, as `swift test` builds it.
    public static let policyops: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("policyops").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policyops").path,
            packageRoot + "/.build/debug/policyops",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    /// `example-repo/`.
    public static var exampleRepo: String { packageRoot + "/example-repo" }

    /// Runs the built binary.
    @discardableResult
    public static func policyops(_ arguments: [String], directory: String? = nil, environment: [String: String]? = nil,
                                 input: Data? = nil) throws -> ProcessResult {
        try ProcessRunner.run(policyops, arguments, directory: directory, environment: environment, input: input)
    }
}
