/// One finding about a file: what is wrong, where, and how much it blocks.
///
/// Diagnostics are data: they are collected while reading and validating and rendered by
/// one formatter per output format. `line` and `column` are 1-based; the column counts
/// Unicode scalars from the start of the line. `pointer` is an RFC 6901 JSON pointer
/// into the file's document ("" is the whole document).
public struct Diagnostic: Sendable, Hashable {
    /// The stable code, such as `PO2001`.
    public var code: DiagnosticCode
    /// How much this finding blocks.
    public var severity: Severity
    /// The path relative to the policy repository, such as `policies/a.json`.
    public var file: String
    /// Where in the document, as a JSON pointer.
    public var pointer: String
    /// 1-based line in the file.
    public var line: Int
    /// 1-based column in the line, in Unicode scalars.
    public var column: Int
    /// What is wrong and what would be right.
    public var message: String

    /// Creates a diagnostic; the severity defaults to the code's own.
    public init(
        code: DiagnosticCode, severity: Severity? = nil, file: String, pointer: String,
        line: Int, column: Int, message: String
    ) {
        self.code = code
        self.severity = severity ?? code.severity
        self.file = file
        self.pointer = pointer
        self.line = line
        self.column = column
        self.message = message
    }

    /// The order diagnostics are shown in: by file, then position, then code.
    public static func presentationOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        if a.file != b.file { return a.file < b.file }
        if a.line != b.line { return a.line < b.line }
        if a.column != b.column { return a.column < b.column }
        if a.code != b.code { return a.code.rawValue < b.code.rawValue }
        return a.message < b.message
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is a blocker.
    public var hasBlocker: Bool { contains { $0.severity == .blocker } }

    /// The highest severity present, or nil when empty.
    public var maximumSeverity: Severity? { map(\.severity).max() }
}
