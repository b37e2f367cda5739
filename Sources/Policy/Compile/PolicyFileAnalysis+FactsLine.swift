import Hashing

extension PolicyFileAnalysis {
    /// The facts in a compact one-line form for caches that are read by the ten thousand:
    /// space-separated fields, each percent-escaped (`%`, space, control characters):
    /// `F1 <hash or -> <enabled 1|0> <host ref> <name ref> <capability count> <capability refs...> <diagnostics JSON or ->`,
    /// a reference being `value|pointer|line|column` (`-` for none).
    public var factsLine: [UInt8] {
        var out = Array("F1 ".utf8)
        func field(_ bytes: [UInt8]) {
            for b in bytes {
                if b == 0x25 || b <= 0x20 || b == 0x7C || b == 0x7F {
                    let hex = Array("0123456789ABCDEF".utf8)
                    out += [0x25, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
                } else {
                    out.append(b)
                }
            }
        }
        func ref(_ r: SourceReference?) {
            guard let r else {
                out.append(UInt8(ascii: "-"))
                return
            }
            field(Array(r.value.utf8))
            out.append(0x7C)
            field(Array(r.pointer.utf8))
            out += Array("|\(r.line)|\(r.column)".utf8)
        }
        out += Array((hash?.hex ?? "-").utf8)
        out += Array(" \(enabled ? 1 : 0) ".utf8)
        ref(hostReference)
        out.append(0x20)
        ref(nameReference)
        out += Array(" \(capabilityReferences.count)".utf8)
        for c in capabilityReferences {
            out.append(0x20)
            ref(c)
        }
        out.append(0x20)
        if diagnostics.isEmpty {
            out.append(UInt8(ascii: "-"))
        } else {
            field(JSON.array(diagnostics.map(\.json)).canonicalBytes)
        }
        return out
    }

    /// An analysis rebuilt from its compact facts line, for the file at `path`; nil when
    /// the line is malformed.
    public init?(path: String, factsLine line: ArraySlice<UInt8>) {
        var cursor = line.startIndex
        /// The next space-separated field.
        func next() -> ArraySlice<UInt8>? {
            guard cursor <= line.endIndex else { return nil }
            var end = cursor
            while end < line.endIndex, line[end] != 0x20 { end += 1 }
            defer { cursor = end + 1 }
            return line[cursor..<end]
        }
        func unescape(_ f: ArraySlice<UInt8>) -> String? {
            guard f.contains(0x25) else { return String(decoding: f, as: UTF8.self) }
            var out: [UInt8] = []
            var i = f.startIndex
            while i < f.endIndex {
                if f[i] == 0x25 {
                    guard i + 2 < f.endIndex, let hi = Self.hexDigit(f[i + 1]), let lo = Self.hexDigit(f[i + 2]) else { return nil }
                    out.append(hi << 4 | lo)
                    i += 3
                } else {
                    out.append(f[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        func number(_ f: ArraySlice<UInt8>) -> Int? {
            guard !f.isEmpty, f.count <= 9 else { return nil }
            var n = 0
            for d in f {
                guard d >= 0x30, d <= 0x39 else { return nil }
                n = n * 10 + Int(d - 0x30)
            }
            return n
        }
        func ref(_ f: ArraySlice<UInt8>?) -> SourceReference?? {
            guard let f else { return nil }
            if f.count == 1 && f.first == UInt8(ascii: "-") { return .some(nil) }
            guard let b1 = f.firstIndex(of: 0x7C), let b2 = f[(b1 + 1)...].firstIndex(of: 0x7C),
                  let b3 = f[(b2 + 1)...].firstIndex(of: 0x7C),
                  let value = unescape(f[f.startIndex..<b1]), let pointer = unescape(f[(b1 + 1)..<b2]),
                  let line = number(f[(b2 + 1)..<b3]), let column = number(f[(b3 + 1)...]) else { return nil }
            return .some(SourceReference(value: value, pointer: pointer, line: line, column: column))
        }
        guard next()?.elementsEqual("F1".utf8) == true, let hashField = next(), let enabledField = next(),
              let host = ref(next()), let name = ref(next()), let countField = next(), let count = number(countField) else { return nil }
        var hash: SHA256Digest?
        if !(hashField.count == 1 && hashField.first == UInt8(ascii: "-")) {
            guard let h = SHA256Digest(hex: String(decoding: hashField, as: UTF8.self)) else { return nil }
            hash = h
        }
        var capabilities: [SourceReference] = []
        capabilities.reserveCapacity(count)
        for _ in 0..<count {
            guard let r = ref(next()), let r else { return nil }
            capabilities.append(r)
        }
        var diagnostics: [Diagnostic] = []
        guard let last = next(), cursor > line.endIndex else { return nil }
        if !(last.count == 1 && last.first == UInt8(ascii: "-")) {
            guard let text = unescape(last), let list = JSON.parse(Array(text.utf8))?.arrayValue else { return nil }
            for item in list {
                guard var d = Diagnostic(json: item) else { return nil }
                d.file = path
                diagnostics.append(d)
            }
        }
        self.init(path: path, diagnostics: diagnostics, spec: nil, hash: hash, enabled: enabledField.first == UInt8(ascii: "1"),
                  hostReference: host, capabilityReferences: capabilities, nameReference: name)
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
