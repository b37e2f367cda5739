import SystemCalls

/// A user of this machine as `exec` runs a command as it: its ids, its groups and its home.
struct ExecAccount: Sendable, Hashable {
    /// The login name.
    var name: String
    var uid: UInt32
    /// The primary group.
    var gid: UInt32
    /// Every group the user is in (the primary one too), as the child takes them.
    var groups: [UInt32]
    /// The home folder, HOME in the command's environment.
    var home: String

    /// The user called `name`; nil when this machine does not know it.
    static func named(_ name: String) -> ExecAccount? {
        UserDatabase.user(named: name).map(ExecAccount.init)
    }

    /// The user whose uid is `uid`; nil when no entry names it.
    static func withID(_ uid: UInt32) -> ExecAccount? {
        UserDatabase.user(id: uid).map(ExecAccount.init)
    }

    /// The reconciler's own (effective) user; an entry-less uid is named by its number.
    static func reconciler() -> ExecAccount {
        let uid = UserDatabase.effectiveUserID, gid = UserDatabase.effectiveGroupID
        return withID(uid) ?? ExecAccount(name: "uid \(uid)", uid: uid, gid: gid, groups: [gid], home: "/")
    }

    /// The account of a password entry, its groups read now (before any fork: the child
    /// may only make system calls).
    private init(_ entry: UserDatabase.Entry) {
        self.init(name: entry.name, uid: entry.userID, gid: entry.groupID,
                  groups: UserDatabase.groups(of: entry.name, primary: entry.groupID), home: entry.home.isEmpty ? "/" : entry.home)
    }

    init(name: String, uid: UInt32, gid: UInt32, groups: [UInt32], home: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.home = home
    }
}
