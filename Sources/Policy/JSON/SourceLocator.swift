/// Finds where a JSON pointer's value is written in a file, for diagnostics made after the
/// file's own reading (checks across files).
public enum SourceLocator {
    /// Line and column of the value at `pointer` in `bytes`; line 1, column 1 when the
    /// pointer does not resolve.
    public static func position(of pointer: String, in bytes: [UInt8]) -> (line: Int, column: Int) {
        guard let root = JSONReader.read(bytes).value else { return (1, 1) }
        var value = root
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = String(token).replacingAll("~1", with: "/").replacingAll("~0", with: "~")
            switch value.kind {
            case .object(let members):
                guard let m = members.first(where: { $0.key == key }) else { return (1, 1) }
                value = m.value
            case .array(let elements):
                guard let i = Int(key), i >= 0, i < elements.count else { return (1, 1) }
                value = elements[i]
            default:
                return (1, 1)
            }
        }
        return SourceText(bytes: bytes).positionOnce(of: value.offset)
    }
}
