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
        // The one system layer: the only Swift module that imports Glibc (Reconciler and Store: not yet).
        .target(name: "SystemCalls", dependencies: ["CSystem"]),
        // libcurl with OpenSSL: one C function performs a request (curl's setopt is variadic).
        .target(name: "CHTTP", linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // SHA-256 and HMAC over libcrypto.
        .target(name: "Hashing", dependencies: ["CCrypto"]),
        // The pure core: bytes in, diagnostics and IR out. No I/O, no clock.
        .target(name: "Policy", dependencies: ["Hashing"], linkerSettings: [.linkedLibrary("m")]),
        // The only importer of libgit2.
        .target(name: "Git", dependencies: ["CLibGit2"]),
        // A policy repository as the tool sees it: a working tree, a commit or the index.
        .target(name: "PolicyRepository", dependencies: ["Policy", "Git", "Hashing", "SystemCalls"]),
        // Files the tool keeps: atomic writes, the content-addressed IR store, manifests.
        .target(name: "Store", dependencies: ["Policy", "Hashing", "CSystem"]),
        // An HTTP client with TLS verified by default, a CA file or a pinned certificate.
        .target(name: "HTTP", dependencies: ["CHTTP", "SystemCalls"]),
        // Secret references resolved at run time, never printed.
        .target(name: "Secrets", dependencies: ["Policy", "SystemCalls"]),
        // Events, matching, windows, queues; depends on protocols, not on git or drivers.
        .target(name: "Engine", dependencies: ["Policy", "Hashing", "SystemCalls"]),
        // Network UPS Tools: upsd's protocol, and the monitor that turns UPS readings into events.
        .target(name: "NUT", dependencies: ["Engine", "Policy", "Secrets", "SystemCalls"]),
        // One driver per file: sim (and its twins of the others), proxmox, aoss, webhook, exec.
        .target(name: "Drivers", dependencies: ["Engine", "Policy", "Store", "HTTP", "Hashing", "Secrets", "SystemCalls"]),
        // Recorded events replayed against a commit on simulated twins of the hosts.
        .target(name: "Replay", dependencies: ["Engine", "Drivers", "Policy"]),
        // The reconcile loop: watch the branch, compile, apply, take events, run the engine.
        .target(name: "Reconciler", dependencies: ["Engine", "Drivers", "Store", "PolicyRepository", "Git", "Policy", "Hashing", "NUT", "Secrets"]),
        // Argument parsing, output formats, exit codes and the wiring of the modules above.
        .target(name: "PolicyOpsCLI", dependencies: ["Policy", "Git", "PolicyRepository", "Store", "Hashing", "Engine", "Drivers", "Reconciler", "Replay", "Secrets", "SystemCalls"]),
        .executableTarget(name: "policyops", dependencies: ["PolicyOpsCLI"]),
        // Micro-benchmarks of the core, driven by bench/run.py.
        .executableTarget(name: "policyops-bench", dependencies: ["Policy", "Hashing", "Engine", "Drivers", "PolicyRepository", "Store", "Git"],
                          path: "bench/Sources/policyops-bench"),

        // Helpers for tests: temporary folders, real git repositories, running the binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls", "TestSupport"]),
        .testTarget(name: "GitTests", dependencies: ["Git", "PolicyRepository", "Policy", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Policy", "Hashing", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Drivers", "Policy", "Store", "Hashing", "TestSupport"]),
        .testTarget(name: "NUTTests", dependencies: ["NUT", "Engine", "Policy", "Secrets", "TestSupport"]),
        .testTarget(name: "DriverTests", dependencies: ["Drivers", "Engine", "Policy", "HTTP", "Secrets", "Hashing", "SystemCalls", "TestSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Engine", "Drivers", "Policy", "Hashing"]),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "Engine", "Git", "Policy", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["PolicyOpsCLI", "Reconciler", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["policyops", "Policy", "TestSupport"], exclude: ["Fixtures"]),
    ]
)

for target in package.targets where target.type != .system {
    guard target.type != .regular || !["CSystem", "CHTTP"].contains(target.name) else { continue }
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
