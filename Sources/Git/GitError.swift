internal import CLibGit2

/// A failure reported by libgit2, with its message read at once on the failing thread.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Hashable {
        /// No such object, reference or revision.
        case notFound
        /// A revision that names nothing unambiguously or is malformed.
        case invalidRevision
        /// The folder is not inside a git repository.
        case notARepository
        /// The repository belongs to another user and git's safe.directory does not allow it.
        case unsafeOwner
        /// Anything else.
        case other
    }

    /// What kind of failure.
    public var kind: Kind
    /// libgit2's return code.
    public var code: Int32
    /// What went wrong, in words.
    public var message: String

    public var description: String { message }

    /// Reads the last error after a call that returned `code`.
    static func last(_ code: Int32, _ context: String) -> GitError {
        var detail = ""
        if let e = git_error_last(), let m = e.pointee.message {
            detail = String(cString: m)
        }
        let kind: Kind
        switch code {
        case GIT_ENOTFOUND.rawValue: kind = .notFound
        case GIT_EAMBIGUOUS.rawValue, GIT_EINVALIDSPEC.rawValue: kind = .invalidRevision
        case GIT_EOWNER.rawValue: kind = .unsafeOwner
        default: kind = .other
        }
        return GitError(kind: kind, code: code, message: detail.isEmpty ? context : "\(context): \(detail)")
    }
}

/// Calls a libgit2 function and throws its error when it fails.
@discardableResult
func check(_ code: Int32, _ context: @autoclosure () -> String) throws(GitError) -> Int32 {
    if code < 0 { throw GitError.last(code, context()) }
    return code
}
