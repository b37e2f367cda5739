/// A value from a file together with where it was written, kept so that checks across
/// files (does this host exist? does its driver provide this capability?) can point at
/// the right line without the file at hand.
public struct SourceReference: Sendable, Hashable {
    /// The value.
    public var value: String
    /// Its JSON pointer.
    public var pointer: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a reference.
    public init(value: String, pointer: String, line: Int, column: Int) {
        self.value = value
        self.pointer = pointer
        self.line = line
        self.column = column
    }

    /// A diagnostic at this place in `file`.
    public func diagnostic(_ code: DiagnosticCode, file: String, _ message: String, severity: Severity? = nil) -> Diagnostic {
        Diagnostic(code: code, severity: severity, file: file, pointer: pointer, line: line, column: column, message: message)
    }
}
