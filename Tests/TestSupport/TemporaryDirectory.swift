import Foundation

/// A folder under the system's temporary folder, removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    /// Its absolute path.
    public let path: String

    /// Creates a fresh folder.
    public init(_ label: String = "policyops") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path/relative`.
    public func join(_ relative: String) -> String { path + "/" + relative }

    /// Writes a file (creating its folders).
    public func write(_ relative: String, _ text: String) {
        write(relative, Data(text.utf8))
    }

    /// Writes bytes to a file (creating its folders).
    public func write(_ relative: String, _ data: Data) {
        let full = join(relative)
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! data.write(to: URL(fileURLWithPath: full))
    }

    /// Reads a file.
    public func read(_ relative: String) -> String? {
        try? String(contentsOfFile: join(relative), encoding: .utf8)
    }

    /// Removes a file or folder.
    public func remove(_ relative: String) {
        try? FileManager.default.removeItem(atPath: join(relative))
    }
}
