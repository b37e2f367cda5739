import Hashing

extension PolicyFileAnalysis {
    /// What checks across files need of an analysis, as JSON: the hash, `enabled`, the
    /// file's own diagnostics and the references to hosts, capabilities and the name. The
    /// spec itself is not kept (a cache of facts is for checking, not compiling).
    public var facts: JSON {
        func ref(_ r: SourceReference?) -> JSON {
            guard let r else { return .null }
            return .object(["v": .string(r.value), "p": .string(r.pointer), "l": .integer(Int64(r.line)), "c": .integer(Int64(r.column))])
        }
        return .object([
            "h": hash.map { .string($0.hex) } ?? .null,
            "e": .bool(enabled),
            "d": .array(diagnostics.map(\.json)),
            "host": ref(hostReference),
            "caps": .array(capabilityReferences.map { ref($0) }),
            "name": ref(nameReference),
        ])
    }

    /// An analysis rebuilt from its facts, for the file at `path`; nil when they are malformed.
    public init?(path: String, facts: JSON) {
        func ref(_ j: JSON?) -> SourceReference?? {
            guard let j, j != .null else { return .some(nil) }
            guard let v = j["v"]?.stringValue, let p = j["p"]?.stringValue, let l = j["l"]?.integerValue, let c = j["c"]?.integerValue else { return nil }
            return .some(SourceReference(value: v, pointer: p, line: Int(l), column: Int(c)))
        }
        guard let enabled = facts["e"]?.boolValue, let d = facts["d"]?.arrayValue, let caps = facts["caps"]?.arrayValue,
              let host = ref(facts["host"]), let name = ref(facts["name"]) else { return nil }
        var hash: SHA256Digest?
        if let h = facts["h"]?.stringValue {
            guard let digest = SHA256Digest(hex: h) else { return nil }
            hash = digest
        }
        var diagnostics: [Diagnostic] = []
        for item in d {
            guard var diagnostic = Diagnostic(json: item) else { return nil }
            diagnostic.file = path
            diagnostics.append(diagnostic)
        }
        var capabilities: [SourceReference] = []
        for c in caps {
            guard let r = ref(c), let r else { return nil }
            capabilities.append(r)
        }
        self.init(path: path, diagnostics: diagnostics, spec: nil, hash: hash, enabled: enabled,
                  hostReference: host, capabilityReferences: capabilities, nameReference: name)
    }
}
