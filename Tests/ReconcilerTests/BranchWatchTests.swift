import Git
import Testing
@testable import Reconciler

/// A branch's history written by the test: no repository, no libgit2 call but parsing ids.
struct ScriptedHistory: BranchHistory {
    var tips: [String: ObjectID] = [:]
    /// Each commit's first parent.
    var parents: [ObjectID: ObjectID] = [:]

    func tip(of branch: String) throws -> ObjectID {
        guard let tip = tips[branch] else { throw ScriptedHistoryError() }
        return tip
    }

    func firstParents(from tip: ObjectID) throws -> [ObjectID] {
        var out = [tip]
        while let parent = parents[out.last!] { out.append(parent) }
        return out
    }
}

struct ScriptedHistoryError: Error {}

/// Commit `n`'s id: forty hex digits.
func commit(_ n: Int) -> ObjectID {
    let hex = String(n, radix: 16)
    return ObjectID(hex: String(repeating: "0", count: 40 - hex.count) + hex)!
}

/// Which commits a pass compiles: every commit since the applied one, oldest first, so that
/// each gets its manifest; only the tip when the applied one is not behind it.
@Suite struct BranchWatchTests {
    /// 1 ← 2 ← 3 ← 4 on main.
    var linear: ScriptedHistory {
        ScriptedHistory(tips: ["main": commit(4)], parents: [commit(4): commit(3), commit(3): commit(2), commit(2): commit(1)])
    }

    @Test func theCommitsSinceTheAppliedOneOldestFirst() throws {
        let tip = try linear.tip(of: "main")
        #expect(try BranchWatch.commitsToCompile(tip: tip, applied: commit(1).hex, history: linear) == [commit(2), commit(3), commit(4)])
        #expect(try BranchWatch.commitsToCompile(tip: tip, applied: commit(3).hex, history: linear) == [commit(4)])
    }

    @Test func nothingAppliedCompilesTheTipAlone() throws {
        #expect(try BranchWatch.commitsToCompile(tip: commit(4), applied: nil, history: linear) == [commit(4)])
    }

    @Test func aForcePushOrARewindCompilesTheTipAlone() throws {
        // The applied commit 9 is on no first-parent path from the tip.
        #expect(try BranchWatch.commitsToCompile(tip: commit(4), applied: commit(9).hex, history: linear) == [commit(4)])
        // Rewound to 2 after 4 was applied.
        #expect(try BranchWatch.commitsToCompile(tip: commit(2), applied: commit(4).hex, history: linear) == [commit(2)])
    }

    @Test func anAppliedCommitFurtherBackThanTheLimitCompilesTheTipAlone() throws {
        var long = ScriptedHistory(tips: ["main": commit(BranchWatch.historyLimit + 1)])
        for n in 2...(BranchWatch.historyLimit + 1) { long.parents[commit(n)] = commit(n - 1) }
        #expect(try BranchWatch.commitsToCompile(tip: commit(BranchWatch.historyLimit + 1), applied: commit(1).hex, history: long)
                == [commit(BranchWatch.historyLimit + 1)])
        #expect(try BranchWatch.commitsToCompile(tip: commit(BranchWatch.historyLimit + 1), applied: commit(2).hex, history: long).count
                == BranchWatch.historyLimit - 1)
    }
}
