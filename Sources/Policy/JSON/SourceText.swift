/// The bytes of one file and a lazily built index of its line starts, to turn byte offsets
/// into the 1-based line and column that diagnostics carry.
///
/// Lines end at `\n` (so CRLF files count right); columns count Unicode scalars, and a
/// leading byte-order mark does not count.
public struct SourceText: Sendable {
    /// The file's bytes.
    public let bytes: [UInt8]
    private var lineStarts: [Int]?

    /// Wraps a file's bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var last: (offset: Int, line: Int, column: Int, lineEnd: Int)?

    /// Line and column of `offset` (clamped to the file). Positions asked for in file
    /// order on one line continue from the previous one, so many findings on one long
    /// line cost linear time, not quadratic.
    public mutating func position(of offset: Int) -> (line: Int, column: Int) {
        let starts = lineStarts ?? buildLineStarts()
        lineStarts = starts
        let offset = max(0, min(offset, bytes.count))
        if let l = last, offset >= l.offset, offset < l.lineEnd {
            var column = l.column
            var i = l.offset
            while i < offset {
                if bytes[i] & 0xC0 != 0x80 { column += 1 }
                i += 1
            }
            last = (offset, l.line, column, l.lineEnd)
            return (l.line, column)
        }
        let (line, column) = Self.position(of: offset, bytes: bytes, lineStarts: starts)
        last = (offset, line, column, line < starts.count ? starts[line] : bytes.count + 1)
        return (line, column)
    }

    /// Line and column of `offset`, without keeping the index (for one-off use).
    public func positionOnce(of offset: Int) -> (line: Int, column: Int) {
        Self.position(of: offset, bytes: bytes, lineStarts: buildLineStarts())
    }

    private static func position(of offset: Int, bytes: [UInt8], lineStarts: [Int]) -> (line: Int, column: Int) {
        let offset = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var start = lineStarts[lo]
        if lo == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]), offset >= 3 { start = 3 }
        var column = 1
        var i = start
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (lo + 1, column)
    }

    private func buildLineStarts() -> [Int] {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            starts.append(i + 1)
        }
        return starts
    }
}
