public import Hashing

/// An object to store under its content address.
public struct StoredObject: Sendable, Hashable {
    /// SHA-256 of `bytes`.
    public let address: SHA256Digest
    /// Canonical JSON bytes.
    public let bytes: [UInt8]
    /// `sha256:<hex>`, as manifests write addresses.
    public let reference: String

    /// Wraps a JSON value as a stored object.
    public init(_ json: JSON) {
        bytes = json.canonicalBytes
        address = SHA256.hash(bytes)
        reference = "sha256:" + address.hex
    }
}

/// One policy's line in a commit manifest.
public struct ManifestEntry: Sendable, Hashable {
    /// Copy-on-write storage: a manifest of ten thousand entries is passed from compile
    /// to apply to status, and a copy costs one reference count.
    final class Storage: @unchecked Sendable {
        var path: String
        var policyID: String
        var name: String?
        var status: PolicyStatus
        var ir: String?
        var hash: String?
        var versionInt: Int?
        var diagnostics: [Diagnostic]

        init(path: String, policyID: String, name: String?, status: PolicyStatus, ir: String?, hash: String?, versionInt: Int?, diagnostics: [Diagnostic]) {
            self.path = path
            self.policyID = policyID
            self.name = name
            self.status = status
            self.ir = ir
            self.hash = hash
            self.versionInt = versionInt
            self.diagnostics = diagnostics
        }

        func copy() -> Storage {
            Storage(path: path, policyID: policyID, name: name, status: status, ir: ir, hash: hash, versionInt: versionInt, diagnostics: diagnostics)
        }
    }

    private var storage: Storage

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Creates an entry.
    public init(path: String, policyID: String, name: String?, status: PolicyStatus, ir: String?, hash: String?, versionInt: Int?, diagnostics: [Diagnostic]) {
        storage = Storage(path: path, policyID: policyID, name: name, status: status, ir: ir, hash: hash, versionInt: versionInt, diagnostics: diagnostics)
    }

    /// The file, relative to the policy repository.
    public var path: String {
        get { storage.path }
        set { unique(); storage.path = newValue }
    }

    /// The stable id derived from the path.
    public var policyID: String {
        get { storage.policyID }
        set { unique(); storage.policyID = newValue }
    }

    /// The spec's name, when the file is valid.
    public var name: String? {
        get { storage.name }
        set { unique(); storage.name = newValue }
    }

    /// Compiled, disabled or invalid.
    public var status: PolicyStatus {
        get { storage.status }
        set { unique(); storage.status = newValue }
    }

    /// The IR object (`sha256:<hex>`), for valid policies.
    public var ir: String? {
        get { storage.ir }
        set { unique(); storage.ir = newValue }
    }

    /// The spec hash (hex), for valid policies.
    public var hash: String? {
        get { storage.hash }
        set { unique(); storage.hash = newValue }
    }

    /// The version number, for valid policies.
    public var versionInt: Int? {
        get { storage.versionInt }
        set { unique(); storage.versionInt = newValue }
    }

    /// Every diagnostic about the file, in presentation order.
    public var diagnostics: [Diagnostic] {
        get { storage.diagnostics }
        set { unique(); storage.diagnostics = newValue }
    }

    public static func == (a: ManifestEntry, b: ManifestEntry) -> Bool {
        if a.storage === b.storage { return true }
        return a.path == b.path && a.policyID == b.policyID && a.name == b.name && a.status == b.status && a.ir == b.ir && a.hash == b.hash && a.versionInt == b.versionInt && a.diagnostics == b.diagnostics
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(policyID)
        hasher.combine(name)
        hasher.combine(status)
        hasher.combine(ir)
        hasher.combine(hash)
        hasher.combine(versionInt)
        hasher.combine(diagnostics)
    }

    /// As the manifest writes it.
    public var json: JSON {
        .object([
            "diagnostics": .array(diagnostics.map(\.json)), "hash": hash.map(JSON.string) ?? .null, "ir": ir.map(JSON.string) ?? .null,
            "name": name.map(JSON.string) ?? .null, "path": .string(path), "policy_id": .string(policyID), "status": .string(status.rawValue),
            "version_int": versionInt.map { .integer(Int64($0)) } ?? .null,
        ])
    }

    /// An entry read back from a manifest; nil when malformed.
    public init?(json: JSON) {
        guard let path = json["path"]?.stringValue, let id = json["policy_id"]?.stringValue,
              let status = json["status"]?.stringValue.flatMap(PolicyStatus.init(rawValue:)) else { return nil }
        self.init(path: path, policyID: id, name: json["name"]?.stringValue, status: status, ir: json["ir"]?.stringValue,
                  hash: json["hash"]?.stringValue, versionInt: json["version_int"]?.integerValue.map(Int.init),
                  diagnostics: (json["diagnostics"]?.arrayValue ?? []).compactMap(Diagnostic.init(json:)))
    }

    /// Writes the canonical JSON of `json` without building it (a manifest has one entry
    /// per policy, ten thousand in a large repository, on every commit).
    func writeCanonical(into out: inout [UInt8]) {
        func key(_ k: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount)) }
        func text(_ v: String?) { if let v { JSON.writeString(v, into: &out) } else { key("null") } }
        key("{\"diagnostics\":[")
        for (i, d) in diagnostics.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            d.json.writeCanonical(into: &out)
        }
        key("],\"hash\":")
        text(hash)
        key(",\"ir\":")
        text(ir)
        key(",\"name\":")
        text(name)
        key(",\"path\":")
        text(path)
        key(",\"policy_id\":")
        text(policyID)
        key(",\"status\":")
        text(status.rawValue)
        key(",\"version_int\":")
        if let versionInt { out.append(contentsOf: String(versionInt).utf8) } else { key("null") }
        out.append(UInt8(ascii: "}"))
    }
}

/// The manifest of one compiled commit (SPEC section 5): every policy's path, id, status,
/// IR address, spec hash and diagnostics, plus the hosts and UPSes, deterministic so that
/// every clone writes the same bytes.
public struct CommitManifest: Sendable {
    /// The commit id.
    public var commit: String
    /// The policy repository's folder inside the git repository ("" at the root).
    public var repositoryPath: String
    /// True when nothing blocks the commit.
    public var ok: Bool
    /// The time zone of `timer.at`.
    public var timeZone: String
    /// One entry per policy file, by path.
    public var entries: [ManifestEntry]
    /// The hosts and UPSes with their objects.
    public var hosts: [JSON]
    public var ups: [JSON]
    /// Diagnostics about files that are not policies.
    public var diagnostics: [Diagnostic]
    /// The IR, host and UPS objects it refers to.
    public var objects: [StoredObject]
    /// For each entry, its compiled policy (valid ones) and IR object.
    public var compiled: [CompiledPolicy?]
    var irObjects: [StoredObject?]
    /// For each entry, the spec hash (what a later commit compares to reuse the entry).
    var hashes: [SHA256Digest?]
    /// Entry index by path.
    var positions: [String: Int]
    /// How many entries were taken from the previous manifest as they were.
    public var reusedEntries = 0

    /// The index in `entries` of the file at `path`.
    public func entryIndex(path: String) -> Int? { positions[path] }

    /// The compiled policies (valid ones), by path.
    public var compiledPolicies: [String: CompiledPolicy] {
        var out: [String: CompiledPolicy] = [:]
        for (e, c) in zip(entries, compiled) { if let c { out[e.path] = c } }
        return out
    }

    /// The manifest format's version.
    public static let manifestVersion: Int64 = 1

    /// Builds the manifest of `commit` from a compilation and the policies' versions.
    /// `identity` gives a path's policy id; `map` may spread the serialization of the IR
    /// objects over several cores. Entries of `previous` (the manifest of an earlier
    /// commit) whose spec hash, version and diagnostics did not change are taken as they
    /// are, with their IR object: a 1-file commit into ten thousand policies builds one.
    ///
    /// `changed`, with `previous`, names the only paths whose entries may differ from it (an
    /// incremental compilation says so): when no file was added or removed, the others are
    /// not even looked at.
    public init(commit: String, repositoryPath: String, compilation: RepositoryCompilation, versions: [String: Int],
                previous: CommitManifest? = nil, changed: Set<String>? = nil,
                identity: (String) -> String = { PolicyIdentity.policyID(path: $0) },
                map: ([CompiledPolicy], @escaping @Sendable (CompiledPolicy) -> StoredObject) -> [StoredObject] = { $0.map($1) }) {
        // By index, reading fields in place: an entry holds a whole spec, and ten thousand
        // copies of it cost more than everything else here.
        let all = compilation.policies
        var entries: [ManifestEntry?]
        var compiled: [CompiledPolicy?]
        var irObjects: [StoredObject?]
        var hashes: [SHA256Digest?]
        var positions: [String: Int]
        var pending: [CompiledPolicy] = []
        var pendingIndex: [Int] = []
        var reused = 0
        /// Entry `i` made anew; its compiled policy waits for its IR object.
        func build(_ i: Int) {
            let path = all[i].path
            let hash = all[i].hash
            hashes[i] = hash
            irObjects[i] = nil
            compiled[i] = nil
            let status = all[i].status
            let id = identity(path)
            entries[i] = ManifestEntry(path: path, policyID: id, name: all[i].spec?.name, status: status, ir: nil, hash: hash?.hex,
                                       versionInt: nil, diagnostics: Self.ordered(all[i].diagnostics))
            guard status != .invalid, let spec = all[i].spec, let hash else { return }
            let policy = CompiledPolicy(policyID: id, spec: spec, hash: hash, versionInt: versions[path] ?? 1)
            compiled[i] = policy
            pending.append(policy)
            pendingIndex.append(i)
        }
        if let previous, let changed, all.count == previous.entries.count,
           changed.allSatisfy({ p in previous.positions[p].map { all[$0].path == p } ?? false }) {
            // The same files: only the changed entries are made again.
            entries = previous.entries.map { $0 }
            compiled = previous.compiled
            irObjects = previous.irObjects
            hashes = previous.hashes
            positions = previous.positions
            for path in changed.sorted() { build(positions[path]!) }
            reused = all.count - changed.count
        } else {
            entries = Array(repeating: nil, count: all.count)
            compiled = Array(repeating: nil, count: all.count)
            irObjects = Array(repeating: nil, count: all.count)
            hashes = Array(repeating: nil, count: all.count)
            positions = [:]
            positions.reserveCapacity(all.count)
        }
        for i in all.indices where entries[i] == nil {
            let path = all[i].path
            positions[path] = i
            let hash = all[i].hash
            hashes[i] = hash
            let version = versions[path] ?? 1
            let status = all[i].status
            if let previous, let j = previous.positions[path], previous.hashes[j] == hash, previous.entries[j].status == status,
               previous.entries[j].versionInt == (status == .invalid ? nil : version),
               previous.entries[j].diagnostics == Self.ordered(all[i].diagnostics) {
                entries[i] = previous.entries[j]
                compiled[i] = previous.compiled[j]
                irObjects[i] = previous.irObjects[j]
                reused += 1
                continue
            }
            build(i)
        }
        for (i, object) in zip(pendingIndex, map(pending) { StoredObject($0.ir) }) {
            irObjects[i] = object
            entries[i]!.ir = object.reference
            entries[i]!.versionInt = compiled[i]!.versionInt
        }
        var objects = irObjects.compactMap { $0 }
        hosts = compilation.hosts.map { host in
            let object = StoredObject(host.normalized)
            objects.append(object)
            return .object(["path": .string(host.path), "host_id": .string(host.id), "name": .string(host.name),
                            "driver": .string(host.driver.rawValue), "object": .string(object.reference)])
        }
        ups = compilation.upsDeclarations.map { u in
            let object = StoredObject(u.normalized)
            objects.append(object)
            return .object(["path": .string(u.path), "ups_id": .string(u.id), "object": .string(object.reference)])
        }
        self.commit = commit
        self.repositoryPath = repositoryPath
        ok = !compilation.hasBlocker
        timeZone = compilation.settings.timeZone
        diagnostics = Self.ordered(compilation.otherDiagnostics)
        self.entries = entries.map { $0! }
        self.objects = objects
        self.compiled = compiled
        self.irObjects = irObjects
        self.hashes = hashes
        self.positions = positions
        reusedEntries = reused
    }

    static func ordered(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.count < 2 ? diagnostics : diagnostics.sorted(by: Diagnostic.presentationOrder)
    }

    /// The manifest as JSON.
    public var json: JSON {
        .object([
            "manifest_version": .integer(Self.manifestVersion),
            "commit": .string(commit),
            "path": .string(repositoryPath),
            "ok": .bool(ok),
            "timezone": .string(timeZone),
            "policies": .array(entries.map(\.json)),
            "hosts": .array(hosts),
            "ups": .array(ups),
            "diagnostics": .array(diagnostics.map(\.json)),
        ])
    }

    /// The canonical JSON of `json`, written directly (the same bytes).
    public var canonicalBytes: [UInt8] {
        canonicalBytes(version: Self.manifestVersion, reserving: entries.count * 360) { out in
            out.append(contentsOf: ",\"policies\":[".utf8)
            for (i, e) in entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// The canonical JSON of a manifest whose members sorting between `path` and
    /// `timezone` (the policies, inline or as chunks) `policies` writes, each starting with
    /// a comma; the other members are the same in both forms.
    func canonicalBytes(version: Int64, reserving: Int, policies: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(reserving + 4096)
        func raw(_ s: String) { out.append(contentsOf: s.utf8) }
        raw("{\"commit\":")
        JSON.writeString(commit, into: &out)
        raw(",\"diagnostics\":")
        JSON.array(diagnostics.map(\.json)).writeCanonical(into: &out)
        raw(",\"hosts\":")
        JSON.array(hosts).writeCanonical(into: &out)
        raw(",\"manifest_version\":\(version),\"ok\":\(ok),\"path\":")
        JSON.writeString(repositoryPath, into: &out)
        policies(&out)
        raw(",\"timezone\":")
        JSON.writeString(timeZone, into: &out)
        raw(",\"ups\":")
        JSON.array(ups).writeCanonical(into: &out)
        out.append(UInt8(ascii: "}"))
        return out
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

extension CommitManifest {
    /// The manifest as its file holds it: the canonical JSON with a first member
    /// `"checksum": "sha256:<hex>"`, the SHA-256 of the canonical JSON without it. Still
    /// canonical ("checksum" sorts first), and checked byte for byte on every read.
    public var fileBytes: [UInt8] { Self.sealed(canonicalBytes) }

    static let checksumPrefix = Array(#"{"checksum":"sha256:"#.utf8)

    /// `canonical` (a JSON object's canonical bytes) with its checksum as first member.
    public static func sealed(_ canonical: [UInt8]) -> [UInt8] {
        var out = checksumPrefix
        out += Array(SHA256.hash(canonical).hex.utf8)
        out += Array(#"","#.utf8)
        out += canonical.dropFirst()
        return out
    }

    /// Why a manifest file cannot be trusted.
    public enum CheckFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The file carries no checksum (an older version wrote it, or it was replaced).
        case noChecksum
        /// The file's bytes do not match its checksum.
        case mismatch(expected: String, actual: String)
        /// The checksum holds but the bytes are not a JSON object.
        case notJSON
        /// A chunk the manifest names (`sha256:<hex>`) is missing.
        case chunkMissing(String)
        /// A chunk's bytes fail its address, or it is not a list of entries.
        case chunkDamaged(String)

        public var description: String {
            switch self {
            case .noChecksum: "it carries no checksum"
            case .mismatch(let expected, let actual): "its checksum says sha256:\(expected.prefix(12))… but its content hashes to sha256:\(actual.prefix(12))…"
            case .notJSON: "it is not a JSON object"
            case .chunkMissing(let reference): "its chunk \(reference.prefix(19))… is missing"
            case .chunkDamaged(let reference): "its chunk \(reference.prefix(19))… fails its content address or is not a list of entries"
            }
        }
    }

    /// The manifest a file holds, once its checksum holds.
    public static func unsealed(_ bytes: [UInt8]) -> Result<JSON, CheckFailure> {
        let hexEnd = checksumPrefix.count + 64
        guard bytes.count > hexEnd + 2, bytes.starts(with: checksumPrefix), bytes[hexEnd] == UInt8(ascii: "\""),
              bytes[hexEnd + 1] == UInt8(ascii: ",") else { return .failure(.noChecksum) }
        let expected = String(decoding: bytes[checksumPrefix.count..<hexEnd], as: UTF8.self)
        var canonical: [UInt8] = [UInt8(ascii: "{")]
        canonical += bytes[(hexEnd + 2)...]
        let actual = SHA256.hash(canonical).hex
        guard actual == expected else { return .failure(.mismatch(expected: expected, actual: actual)) }
        guard let json = JSON.parse(canonical), json.objectMembers != nil else { return .failure(.notJSON) }
        return .success(json)
    }
}
