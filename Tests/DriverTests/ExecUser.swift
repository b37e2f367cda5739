import Testing
import TestSupport

/// The unprivileged user the exec tests' commands run as: made once for the suite the trait
/// is on (when the tests run as root, as they do here) and removed after its last test.
struct ExecUser: SuiteTrait, TestScoping {
    /// The suite's user; nil when the tests do not run as root (commands then run as the
    /// test's own user, as the driver does for a reconciler that is not root).
    @TaskLocal static var current: SystemUser?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard SystemUser.canCreate else { return try await function() }
        let user = try SystemUser.create("po-exec-")
        defer { user.remove() }
        try await Self.$current.withValue(user) { try await function() }
    }
}

extension Trait where Self == ExecUser {
    /// Runs the suite's commands as a user made for it.
    static var execUser: ExecUser { ExecUser() }
}
