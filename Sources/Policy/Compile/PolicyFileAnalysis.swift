public import Hashing

/// What reading and validating one policy file on its own found: its diagnostics and, when
/// it has no blocker, the spec and its hash. Checks that need other files (the host it
/// targets, duplicates) use the references kept here.
public struct PolicyFileAnalysis: Sendable {
    /// Copy-on-write storage: analyses are handed around by the ten thousand (caches,
    /// commits, compilations), and a copy costs one reference count instead of one per field.
    final class Storage: @unchecked Sendable {
        var path: String
        var diagnostics: [Diagnostic]
        var spec: PolicySpec?
        var hash: SHA256Digest?
        var enabled: Bool
        var hostReference: SourceReference?
        var capabilityReferences: [SourceReference]
        var nameReference: SourceReference?

        init(path: String, diagnostics: [Diagnostic], spec: PolicySpec?, hash: SHA256Digest?, enabled: Bool, hostReference: SourceReference?, capabilityReferences: [SourceReference], nameReference: SourceReference?) {
            self.path = path
            self.diagnostics = diagnostics
            self.spec = spec
            self.hash = hash
            self.enabled = enabled
            self.hostReference = hostReference
            self.capabilityReferences = capabilityReferences
            self.nameReference = nameReference
        }

        func copy() -> Storage {
            Storage(path: path, diagnostics: diagnostics, spec: spec, hash: hash, enabled: enabled, hostReference: hostReference, capabilityReferences: capabilityReferences, nameReference: nameReference)
        }
    }

    private var storage: Storage

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The path relative to the policy repository.
    public var path: String {
        get { storage.path }
        set { unique(); storage.path = newValue }
    }

    /// Diagnostics from this file alone.
    public var diagnostics: [Diagnostic] {
        get { storage.diagnostics }
        set { unique(); storage.diagnostics = newValue }
    }

    /// The validated spec, nil when the file has a blocker (or when the analysis came from a
    /// cache that keeps only what checks across files need).
    public var spec: PolicySpec? {
        get { storage.spec }
        set { unique(); storage.spec = newValue }
    }

    /// SHA-256 of the canonical normalized spec, nil when the file has a blocker.
    public var hash: SHA256Digest? {
        get { storage.hash }
        set { unique(); storage.hash = newValue }
    }

    /// The spec's `enabled` (meaningful when the file is valid).
    public var enabled: Bool {
        get { storage.enabled }
        set { unique(); storage.enabled = newValue }
    }

    /// Where `targets.host_id` is, with its value in lower case.
    public var hostReference: SourceReference? {
        get { storage.hostReference }
        set { unique(); storage.hostReference = newValue }
    }

    /// Where each action's `capability_id` is, with the capability id.
    public var capabilityReferences: [SourceReference] {
        get { storage.capabilityReferences }
        set { unique(); storage.capabilityReferences = newValue }
    }

    /// Where `name` is, with the name.
    public var nameReference: SourceReference? {
        get { storage.nameReference }
        set { unique(); storage.nameReference = newValue }
    }

    /// Creates an analysis.
    public init(path: String, diagnostics: [Diagnostic], spec: PolicySpec?, hash: SHA256Digest?, enabled: Bool, hostReference: SourceReference?, capabilityReferences: [SourceReference], nameReference: SourceReference?) {
        storage = Storage(path: path, diagnostics: diagnostics, spec: spec, hash: hash, enabled: enabled, hostReference: hostReference, capabilityReferences: capabilityReferences, nameReference: nameReference)
    }

    /// The version of what analyses say; cached analyses of another version are not used.
    /// Raise it whenever a change to validation changes the diagnostics or facts of a file.
    public static let analyzerVersion = 1

    /// Reads and validates one policy file.
    public static func analyze(path: String, bytes: [UInt8], defaults: PolicyDefaults = .standard,
                               catalog: CapabilityCatalog = .builtIn) -> PolicyFileAnalysis {
        let reader = PolicySpecReader(checker: DocumentChecker(file: path, bytes: bytes), defaults: defaults, catalog: catalog)
        let spec = reader.read()
        let hash = spec.map { SHA256.hash($0.canonicalBytes) }
        return PolicyFileAnalysis(path: path, diagnostics: reader.checker.diagnostics, spec: spec, hash: hash, enabled: spec?.enabled ?? true,
                                  hostReference: reader.hostReference, capabilityReferences: reader.capabilityReferences,
                                  nameReference: reader.nameReference)
    }
}
