public import Hashing

/// An object to store under its content address.
public struct StoredObject: Sendable, Hashable {
    /// SHA-256 of `bytes`.
    public var address: SHA256Digest
    /// Canonical JSON bytes.
    public var bytes: [UInt8]

    /// Wraps a JSON value as a stored object.
    public init(_ json: JSON) {
        self.bytes = json.canonicalBytes
        self.address = SHA256.hash(bytes)
    }

    /// `sha256:<hex>`, as manifests write addresses.
    public var reference: String { "sha256:" + address.hex }
}

/// The manifest of one compiled commit (SPEC section 5): every policy's path, id, status,
/// IR address, spec hash and diagnostics, plus the hosts and UPSes, deterministic so that
/// every clone writes the same bytes.
public struct CommitManifest: Sendable {
    /// The manifest itself.
    public var json: JSON
    /// The IR, host and UPS objects it refers to.
    public var objects: [StoredObject]
    /// The compiled policies (valid ones), by path.
    public var compiledPolicies: [String: CompiledPolicy]

    /// The manifest format's version.
    public static let manifestVersion: Int64 = 1

    /// Builds the manifest of `commit` from a compilation and the policies' versions.
    /// `repositoryPath` is the policy repository's folder inside the git repository ("" at the root).
    /// `map` may spread the serialization of the IR objects over several cores.
    public init(commit: String, repositoryPath: String, compilation: RepositoryCompilation, versions: [String: Int],
                map: ([CompiledPolicy], @escaping @Sendable (CompiledPolicy) -> StoredObject) -> [StoredObject] = { $0.map($1) }) {
        var objects: [StoredObject] = []
        var compiled: [String: CompiledPolicy] = [:]
        var pending: [CompiledPolicy] = []
        for entry in compilation.policies where entry.status != .invalid {
            guard let spec = entry.spec, let hash = entry.hash else { continue }
            let policy = CompiledPolicy(policyID: entry.policyID, spec: spec, hash: hash, versionInt: versions[entry.path] ?? 1)
            compiled[entry.path] = policy
            pending.append(policy)
        }
        let irObjects = map(pending) { StoredObject($0.ir) }
        var irByPolicy: [String: StoredObject] = [:]
        for (policy, object) in zip(pending, irObjects) { irByPolicy[policy.policyID] = object }
        let policies: [JSON] = compilation.policies.map { entry in
            var ir: JSON = .null
            var version: JSON = .null
            if let policy = compiled[entry.path], let object = irByPolicy[policy.policyID] {
                objects.append(object)
                ir = .string(object.reference)
                version = .integer(Int64(policy.versionInt))
            }
            return .object([
                "path": .string(entry.path),
                "policy_id": .string(entry.policyID),
                "name": entry.spec.map { .string($0.name) } ?? .null,
                "status": .string(entry.status.rawValue),
                "ir": ir,
                "hash": entry.hash.map { .string($0.hex) } ?? .null,
                "version_int": version,
                "diagnostics": .array(entry.diagnostics.sorted(by: Diagnostic.presentationOrder).map(\.json)),
            ])
        }
        let hosts: [JSON] = compilation.hosts.map { host in
            let object = StoredObject(host.normalized)
            objects.append(object)
            return .object(["path": .string(host.path), "host_id": .string(host.id), "name": .string(host.name),
                            "driver": .string(host.driver.rawValue), "object": .string(object.reference)])
        }
        let ups: [JSON] = compilation.upsDeclarations.map { u in
            let object = StoredObject(u.normalized)
            objects.append(object)
            return .object(["path": .string(u.path), "ups_id": .string(u.id), "object": .string(object.reference)])
        }
        self.json = .object([
            "manifest_version": .integer(Self.manifestVersion),
            "commit": .string(commit),
            "path": .string(repositoryPath),
            "ok": .bool(!compilation.hasBlocker),
            "timezone": .string(compilation.settings.timeZone),
            "policies": .array(policies),
            "hosts": .array(hosts),
            "ups": .array(ups),
            "diagnostics": .array(compilation.otherDiagnostics.sorted(by: Diagnostic.presentationOrder).map(\.json)),
        ])
        self.objects = objects
        self.compiledPolicies = compiled
    }
}

extension Diagnostic {
    /// `{code, severity, file, pointer, line, column, message}`.
    public var json: JSON {
        .object([
            "code": .string(code.rawValue), "severity": .string(severity.rawValue), "file": .string(file),
            "pointer": .string(pointer), "line": .integer(Int64(line)), "column": .integer(Int64(column)),
            "message": .string(message),
        ])
    }

    /// Reads a diagnostic back from its JSON form.
    public init?(json: JSON) {
        guard let codeText = json["code"]?.stringValue, let code = DiagnosticCode(rawValue: codeText),
              let severityText = json["severity"]?.stringValue, let severity = Severity(rawValue: severityText),
              let file = json["file"]?.stringValue, let pointer = json["pointer"]?.stringValue,
              let line = json["line"]?.integerValue, let column = json["column"]?.integerValue,
              let message = json["message"]?.stringValue else { return nil }
        self.init(code: code, severity: severity, file: file, pointer: pointer, line: Int(line), column: Int(column), message: message)
    }
}
