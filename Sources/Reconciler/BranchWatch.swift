import Git

/// What the commit applier reads of git: the watched branch's tip and its first-parent
/// history. Behind a protocol so that which commits a pass compiles is decided, and
/// tested, without a repository.
protocol BranchHistory {
    /// The commit `branch` points at (`refs/heads/<branch>`, else any revision of that name).
    func tip(of branch: String) throws -> ObjectID
    /// The commits along first parents from `tip`, newest first, `tip` included.
    func firstParents(from tip: ObjectID) throws -> [ObjectID]
}

/// The branch as libgit2 reads it, through `Git`.
struct GitBranchHistory: BranchHistory {
    let git: Repository

    func tip(of branch: String) throws -> ObjectID {
        if let ref = try git.referenceTarget("refs/heads/" + branch) { return try git.resolveCommit(ref.hex) }
        return try git.resolveCommit(branch)
    }

    func firstParents(from tip: ObjectID) throws -> [ObjectID] { try git.firstParentHistory(from: tip) }
}

/// Which commits a pass of the commit applier compiles.
enum BranchWatch {
    /// How far back along first parents the applied commit is looked for.
    static let historyLimit = 1000

    /// The commits since `applied` along the first-parent chain, oldest first, ending with
    /// the tip; just the tip when nothing is applied, after a force push or a rewind (the
    /// applied commit is not an ancestor), or when it is further back than `historyLimit`.
    static func commitsToCompile(tip: ObjectID, applied: String?, history: some BranchHistory) throws -> [ObjectID] {
        guard let applied, let base = ObjectID(hex: applied) else { return [tip] }
        var chain: [ObjectID] = []
        for id in try history.firstParents(from: tip).prefix(historyLimit) {
            if id == base { return chain.reversed() }
            chain.append(id)
        }
        return [tip]
    }
}
