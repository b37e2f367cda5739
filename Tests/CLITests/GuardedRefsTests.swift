import Testing
@testable import PolicyOpsCLI

/// The server's guarded refs bound the repository's: what "covered" means for two patterns.
struct GuardedRefsTests {
    @Test(arguments: [
        ("refs/heads/*", "refs/heads/main", true),
        ("refs/heads/*", "refs/heads/release/*", true),
        ("refs/heads/*", "refs/heads/*", true),
        ("refs/heads/release/*", "refs/heads/release/v2*", true),
        ("refs/heads/main", "refs/heads/main", true),
        ("refs/heads/?ain", "refs/heads/main", true),
        ("refs/heads/?ain", "refs/heads/?ain", true),
        ("refs/heads/main", "refs/heads/*", false),
        ("refs/heads/main", "refs/heads/release/*", false),
        ("refs/heads/*", "refs/tags/*", false),
        ("refs/heads/?", "refs/heads/*", false),
        ("refs/heads/m?in", "refs/heads/?ain", false),
        ("refs/heads/release/*", "refs/heads/*", false),
        ("refs/heads/main", "refs/heads/mai", false),
    ])
    func covers(_ wider: String, _ narrower: String, _ expected: Bool) {
        #expect(GuardedRefs.covers(wider, narrower) == expected)
    }

    @Test func theRepositoryNarrowsNeverWidens() {
        let narrowed = GuardedRefs(server: ["refs/heads/main", "refs/heads/release/*"], repository: ["refs/heads/release/v2*", "refs/tags/*"])
        // main is named exactly by the server: no narrowing drops it.
        #expect(narrowed.effective == ["refs/heads/release/v2*", "refs/heads/main"])
        #expect(narrowed.ignored == ["refs/tags/*"])
        #expect(narrowed.guards("refs/heads/main"))
        #expect(narrowed.guards("refs/heads/release/v2.1"))
        #expect(!narrowed.guards("refs/heads/release/v1"))
        #expect(!narrowed.guards("refs/tags/v1"))
        // Nothing left, or nothing asked: the server's set stands.
        for asked in [[], ["refs/tags/*"], nil] as [[String]?] {
            let g = GuardedRefs(server: ["refs/heads/main"], repository: asked)
            #expect(g.effective == ["refs/heads/main"])
            #expect(g.guards("refs/heads/main"))
        }
    }

    @Test func serverPatterns() {
        #expect(GuardedRefs.parse("refs/heads/main,refs/heads/release/*") == ["refs/heads/main", "refs/heads/release/*"])
        for bad in ["", ",", "refs/", "refs/heads/main,", "heads/main", "refs/heads/../x", "refs/heads/a b", "refs/heads/'x'"] {
            #expect(GuardedRefs.parse(bad) == nil, "\(bad)")
        }
    }

    /// A narrowing keeps the server's default branch and the refs the server names exactly.
    @Test func aNarrowingNeverDropsTheDefaultBranchOrAnExactServerRef() {
        let byDefault = GuardedRefs(server: GuardedRefs.serverDefault, defaultBranch: "refs/heads/main", repository: ["refs/heads/release/*"])
        #expect(byDefault.guards("refs/heads/main") && byDefault.guards("refs/heads/release/1") && !byDefault.guards("refs/heads/feature"))
        let named = GuardedRefs(server: ["refs/heads/prod", "refs/heads/release/*"], defaultBranch: "refs/heads/main", repository: ["refs/heads/release/v2*"])
        #expect(named.guards("refs/heads/prod") && named.guards("refs/heads/release/v2.1"))
        #expect(!named.guards("refs/heads/release/v1") && !named.guards("refs/heads/main"), "main is not the server's to guard here")
    }
}
