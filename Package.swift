// swift-tools-version:6.1

import PackageDescription

let package = Package(
    name: "policyops",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "policyops", targets: ["policyops"]),
    ],
    targets: [
        // C libraries from Debian, each behind one small Swift module.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CSystem"),

        // SHA-256 and HMAC over libcrypto.
        .target(name: "Hashing", dependencies: ["CCrypto"]),
        // The pure core: bytes in, diagnostics and IR out. No I/O, no clock.
        .target(name: "Policy", dependencies: ["Hashing"], linkerSettings: [.linkedLibrary("m")]),
        // The only importer of libgit2.
        .target(name: "Git", dependencies: ["CLibGit2"]),
        // A policy repository as the tool sees it: a working tree, a commit or the index.
        .target(name: "PolicyRepository", dependencies: ["Policy", "Git", "Hashing"]),
        // Files the tool keeps: atomic writes, the content-addressed IR store, manifests.
        .target(name: "Store", dependencies: ["Policy", "Hashing", "CSystem"]),
        // Events, matching, windows, queues; depends on protocols, not on git or drivers.
        .target(name: "Engine", dependencies: ["Policy", "Hashing"]),
        // One driver per file: sim (and the real ones).
        .target(name: "Drivers", dependencies: ["Engine", "Policy", "Store"]),
        // The reconcile loop: watch the branch, compile, apply, take events, run the engine.
        .target(name: "Reconciler", dependencies: ["Engine", "Drivers", "Store", "PolicyRepository", "Git", "Policy", "Hashing"]),
        // Argument parsing, output formats, exit codes and the wiring of the modules above.
        .target(name: "PolicyOpsCLI", dependencies: ["Policy", "Git", "PolicyRepository", "Store", "Hashing", "Engine", "Drivers", "Reconciler"]),
        .executableTarget(name: "policyops", dependencies: ["PolicyOpsCLI"]),
        // Micro-benchmarks of the core, driven by bench/run.py.
        .executableTarget(name: "policyops-bench", dependencies: ["Policy", "Hashing", "Engine", "Drivers", "PolicyRepository", "Store", "Git"],
                          path: "bench/Sources/policyops-bench"),

        // Helpers for tests: temporary folders, real git repositories, running the binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "GitTests", dependencies: ["Git", "PolicyRepository", "Policy", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Policy", "Hashing", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Drivers", "Policy", "Store", "Hashing", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["policyops", "Policy", "TestSupport"], exclude: ["Fixtures"]),
    ]
)

for target in package.targets where target.type != .system {
    guard target.type != .regular || target.name != "CSystem" else { continue }
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
