import Foundation

/// A git repository made at test time with the real `git`, with fixed author and dates so
/// commit ids are the same on every run.
public final class GitFixture: @unchecked Sendable {
    /// The folder that holds it.
    public let directory: TemporaryDirectory
    /// The working tree's path.
    public var path: String { directory.path }
    private var tick = 0

    /// `git init -b main` in a new temporary folder.
    public init(bare: Bool = false) throws {
        directory = TemporaryDirectory("git")
        try git(bare ? ["init", "-q", "--bare", "-b", "main"] : ["init", "-q", "-b", "main"])
        try git(["config", "gc.auto", "0"])
    }

    /// Wraps an existing folder (a clone).
    public init(existing: TemporaryDirectory) {
        directory = existing
    }

    /// The environment git runs with: no user or system config, fixed identity and dates.
    public func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        let date = "2025-01-01T00:00:\(String(format: "%02d", tick % 60))Z"
        env["GIT_AUTHOR_NAME"] = "Test Author"
        env["GIT_AUTHOR_EMAIL"] = "author@example.net"
        env["GIT_COMMITTER_NAME"] = "Test Author"
        env["GIT_COMMITTER_EMAIL"] = "author@example.net"
        env["GIT_AUTHOR_DATE"] = date
        env["GIT_COMMITTER_DATE"] = date
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        return env
    }

    /// Runs git in the repository; throws when it fails.
    @discardableResult
    public func git(_ arguments: [String], input: Data? = nil) throws -> String {
        let result = try ProcessRunner.tool("git", arguments, directory: path, environment: environment(), input: input)
        guard result.status == 0 else {
            throw FixtureError("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes a file in the working tree.
    public func write(_ relative: String, _ text: String) { directory.write(relative, text) }

    /// Removes a file from the working tree.
    public func remove(_ relative: String) { directory.remove(relative) }

    /// Stages everything and commits; returns the new commit's id.
    @discardableResult
    public func commit(_ message: String) throws -> String {
        tick += 1
        try git(["add", "-A"])
        try git(["commit", "-q", "--allow-empty", "-m", message])
        return try git(["rev-parse", "HEAD"])
    }
}

/// A test setup step that failed.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
