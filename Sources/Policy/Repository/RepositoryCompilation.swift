public import Hashing

/// Where a policy stands after compilation.
public enum PolicyStatus: String, Sendable, Hashable {
    /// Valid and enabled.
    case compiled
    /// Valid, with `enabled: false`.
    case disabled
    /// Has a blocker.
    case invalid
}

/// One policy file of a compiled repository: the file's own analysis and what the checks
/// across files added. (The analysis is shared with the cache it came from: a compilation of
/// ten thousand files that found nothing across them allocates nothing per file.)
public struct PolicyEntry: Sendable {
    /// What the file says on its own.
    public var analysis: PolicyFileAnalysis
    /// Diagnostics from checks across files (unknown host, duplicates).
    public var crossFileDiagnostics: [Diagnostic] = []

    /// An entry for an analysis.
    public init(analysis: PolicyFileAnalysis, crossFileDiagnostics: [Diagnostic] = []) {
        self.analysis = analysis
        self.crossFileDiagnostics = crossFileDiagnostics
    }

    /// The path relative to the policy repository.
    public var path: String { analysis.path }
    /// The stable id derived from the path (computed when asked: a hook never needs it).
    public var policyID: String { PolicyIdentity.policyID(path: path) }
    /// The spec, when valid (and not taken from a cache of facts).
    public var spec: PolicySpec? { analysis.spec }
    /// `enabled` of a valid spec.
    public var enabled: Bool { analysis.enabled }
    /// The spec hash, when valid.
    public var hash: SHA256Digest? { analysis.hash }
    /// Every diagnostic about this file, from the file alone and from checks across files.
    public var diagnostics: [Diagnostic] {
        crossFileDiagnostics.isEmpty ? analysis.diagnostics : analysis.diagnostics + crossFileDiagnostics
    }
    /// Where the name is written, when it is valid.
    public var nameReference: SourceReference? { analysis.nameReference }

    /// Compiled, disabled or invalid.
    public var status: PolicyStatus {
        guard hash != nil, !diagnostics.hasBlocker else { return .invalid }
        return enabled ? .compiled : .disabled
    }
}

/// A policy repository compiled as a whole: every policy, host and UPS with every
/// diagnostic, file by file and across files.
public struct RepositoryCompilation: Sendable {
    /// The settings in force.
    public var settings: RepositorySettings
    /// The policies, by path.
    public var policies: [PolicyEntry]
    /// The valid host declarations, by path.
    public var hosts: [HostDeclaration]
    /// The valid UPS declarations, by path.
    public var upsDeclarations: [UPSDeclaration]
    /// Diagnostics about files that are not policies (settings, hosts, UPS, ignored files).
    public var otherDiagnostics: [Diagnostic]
    /// Host ids declared, valid or not (a policy naming an invalid host is not also told
    /// the host is missing); kept for updating the compilation file by file.
    var declaredHostIDs: Set<String> = []

    /// Every diagnostic, in presentation order.
    public var diagnostics: [Diagnostic] {
        (policies.flatMap(\.diagnostics) + otherDiagnostics).sorted(by: Diagnostic.presentationOrder)
    }

    /// True when anything blocks the commit.
    public var hasBlocker: Bool {
        policies.contains { $0.diagnostics.hasBlocker } || otherDiagnostics.hasBlocker
    }

    /// The host with id `id`.
    public func host(_ id: String) -> HostDeclaration? { hosts.first { $0.id == id } }
}
