#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// A program started by `policyops_spawn` (CSystem: fork, then exec, in a process group of
/// its own, every other descriptor closed, optionally as another user), and its end.
public enum ChildProcess {
    /// Who the child runs as: `switchUser` takes `groups`, `groupID` and `userID` (from root).
    public struct Identity: Sendable {
        /// True when the child switches to the ids below (the parent is root).
        public var switchUser: Bool
        /// The user id it takes.
        public var userID: UInt32
        /// The primary group id it takes.
        public var groupID: UInt32
        /// The supplementary groups it takes.
        public var groups: [UInt32]
        /// An identity of these ids.
        public init(switchUser: Bool, userID: UInt32, groupID: UInt32, groups: [UInt32]) {
            self.switchUser = switchUser
            self.userID = userID
            self.groupID = groupID
            self.groups = groups
        }
    }

    /// The step of starting the child that failed, and the `errno` it left.
    public struct SpawnFailure: Error, Sendable {
        /// What the child, or the fork, was doing.
        public enum Step: Sendable, Hashable {
            case fork, descriptors, processGroup, groups, groupID, userID, regainedRoot, wouldBeRoot
            case noNewPrivileges, directory, signals, exec, unknown
        }
        /// The step that failed.
        public var step: Step
        /// The `errno` it left.
        public var error: Errno
    }

    /// How a child ended (`waitpid(2)`'s status).
    public enum Termination: Sendable, Hashable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)
    }

    /// Starts `path` with `arguments` and `environment` (`KEY=VALUE`), its standard input,
    /// output and error the descriptors given, in `directory` when not nil; returns its pid.
    public static func spawn(_ path: String, arguments: [String], environment: [String], directory: String?,
                             standardInput: FileDescriptor, standardOutput: FileDescriptor, standardError: FileDescriptor,
                             identity: Identity) throws(SpawnFailure) -> Int32 {
        let argv = CStringArray(arguments), envp = CStringArray(environment)
        var step: Int32 = 0, spawnError: Int32 = 0
        let groups = identity.groups.map { gid_t($0) }
        let pid = argv.withUnsafeMutableBufferPointer { a in
            envp.withUnsafeMutableBufferPointer { e in
                groups.withUnsafeBufferPointer { g in
                    var id = policyops_identity(switch_user: identity.switchUser ? 1 : 0, uid: uid_t(identity.userID), gid: gid_t(identity.groupID),
                                                groups: g.baseAddress, group_count: g.count)
                    return policyops_spawn(path, a.baseAddress, e.baseAddress, directory, standardInput.rawValue, standardOutput.rawValue,
                                           standardError.rawValue, &id, &step, &spawnError)
                }
            }
        }
        guard pid > 0 else { throw SpawnFailure(step: Self.step(step), error: Errno(spawnError, call: "spawn", path: path)) }
        return pid
    }

    private static func step(_ raw: Int32) -> SpawnFailure.Step {
        switch UInt32(raw) {
        case POLICYOPS_STEP_FORK.rawValue: return .fork
        case POLICYOPS_STEP_DESCRIPTORS.rawValue: return .descriptors
        case POLICYOPS_STEP_PROCESS_GROUP.rawValue: return .processGroup
        case POLICYOPS_STEP_GROUPS.rawValue: return .groups
        case POLICYOPS_STEP_GID.rawValue: return .groupID
        case POLICYOPS_STEP_UID.rawValue: return .userID
        case POLICYOPS_STEP_REGAINED.rawValue: return .regainedRoot
        case POLICYOPS_STEP_ROOT.rawValue: return .wouldBeRoot
        case POLICYOPS_STEP_NO_NEW_PRIVILEGES.rawValue: return .noNewPrivileges
        case POLICYOPS_STEP_DIRECTORY.rawValue: return .directory
        case POLICYOPS_STEP_SIGNALS.rawValue: return .signals
        case POLICYOPS_STEP_EXEC.rawValue: return .exec
        default: return .unknown
        }
    }

    /// Waits for the child `pid` to end (`waitpid(2)`, `EINTR` retried).
    public static func wait(_ pid: Int32) throws(Errno) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw Errno.current("waitpid") }
        }
        let signal = status & 0x7F
        return signal != 0 ? .signalled(signal) : .exited((status >> 8) & 0xFF)
    }
}
