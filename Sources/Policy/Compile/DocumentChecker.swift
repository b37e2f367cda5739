/// Collects the diagnostics of one file while it is read and validated, turning byte
/// offsets into lines and columns.
public final class DocumentChecker {
    /// The path relative to the policy repository.
    public let file: String
    private var source: SourceText
    private var found: [Diagnostic] = []
    private var suppressed = 0
    private var suppressedSeverity = Severity.info
    private var firstSuppressed: (offset: Int, pointer: JSONPointer)?

    /// The most diagnostics one file reports; the rest are summed up in one PO1018, so a
    /// hostile file cannot make the report (or the time to position it) explode.
    public static let maxDiagnostics = 100

    /// Everything found so far.
    public var diagnostics: [Diagnostic] {
        guard suppressed > 0, let first = firstSuppressed else { return found }
        let (line, column) = source.positionOnce(of: first.offset)
        return found + [Diagnostic(code: .tooManyProblems, severity: suppressedSeverity, file: file, pointer: first.pointer.string,
                                   line: line, column: column,
                                   message: "\(suppressed.grouped) more problems in this file are not shown; fix the ones above and validate again")]
    }

    /// Starts checking the file with these bytes.
    public init(file: String, bytes: [UInt8]) {
        self.file = file
        self.source = SourceText(bytes: bytes)
    }

    /// The file's bytes.
    public var bytes: [UInt8] { source.bytes }

    /// True when a blocker was reported.
    public var hasBlocker: Bool { found.hasBlocker || (suppressed > 0 && suppressedSeverity == .blocker) }

    /// Line and column of a byte offset.
    public func position(of offset: Int) -> (line: Int, column: Int) {
        source.position(of: offset)
    }

    /// Records a finding at a byte offset.
    public func report(_ code: DiagnosticCode, at offset: Int, _ pointer: JSONPointer, _ message: String, severity: Severity? = nil) {
        if found.count >= Self.maxDiagnostics {
            suppressed += 1
            suppressedSeverity = max(suppressedSeverity, severity ?? code.severity)
            if firstSuppressed == nil { firstSuppressed = (offset, pointer) }
            return
        }
        let (line, column) = source.position(of: offset)
        found.append(Diagnostic(code: code, severity: severity, file: file, pointer: pointer.string,
                                line: line, column: column, message: message))
    }

    /// Records a finding about a value.
    public func report(_ code: DiagnosticCode, _ value: JSONValue, _ pointer: JSONPointer, _ message: String, severity: Severity? = nil) {
        report(code, at: value.offset, pointer, message, severity: severity)
    }

    /// Reads the file as JSON, reporting what the reader found. Nil when it is not JSON.
    public func readJSON(limits: JSONReadLimits = .default) -> JSONValue? {
        let result = JSONReader.read(source.bytes, limits: limits)
        for issue in result.issues {
            report(issue.code, at: issue.offset, JSONPointer(string: issue.pointer), issue.message)
        }
        return result.value
    }

    /// The byte offset of UTF-8 offset `inner` inside the string value at `value`, when the
    /// string is written without escapes (so the two line up); else the string's start.
    public func offset(inString value: JSONValue, utf8Offset inner: Int) -> Int {
        guard case .string(let s) = value.kind else { return value.offset }
        let start = value.offset + 1
        let bytes = source.bytes
        let count = s.utf8.count
        guard start + count < bytes.count, bytes[start + count] == UInt8(ascii: "\""),
              bytes[start..<(start + count)].elementsEqual(s.utf8) else { return value.offset }
        return start + min(inner, count)
    }

    /// A typed view of an object value, or nil (with a diagnostic) when it is not one.
    public func fields(_ value: JSONValue, at pointer: JSONPointer, what: String) -> ObjectFields? {
        switch value.kind {
        case .object(let members):
            return ObjectFields(checker: self, members: members, pointer: pointer, offset: value.offset)
        case .invalid:
            return nil
        case .null:
            report(.nullValue, value, pointer, "\(what) is null; it must be an object")
            return nil
        default:
            report(.wrongType, value, pointer, "\(what) must be an object, found \(value.typeDescription)")
            return nil
        }
    }
}
