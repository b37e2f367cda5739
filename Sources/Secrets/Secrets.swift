#if canImport(Glibc)
import Glibc
#endif
import Policy

/// A secret's value. It prints as `<secret>` everywhere (descriptions, string
/// interpolation, dumps); only `reveal()` gives the value, for the one header or field that
/// needs it.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    /// Wraps a value (a driver that assembles a credential from resolved parts).
    public init(_ value: String) { self.value = value }

    /// The value, to put on the wire.
    public func reveal() -> String { value }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}

/// Why a secret or a connection value could not be resolved. The message names the
/// reference, never a value.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    /// An error that says `message`.
    public init(message: String) { self.message = message }
}

/// Resolves the secret references of host declarations (`{"env": NAME}`, `{"file": PATH}`)
/// when a driver needs them, and only then: values are never kept in a declaration, an IR
/// object, a manifest, a record or a log.
public struct Secrets: Sendable {
    let environment: [String: String]

    /// Secrets from `environment` (the process's own by default) and the file system.
    public init(environment: [String: String]? = nil) {
        if let environment {
            self.environment = environment
        } else {
            var all: [String: String] = [:]
            var p = environ
            while let entry = p.pointee {
                let text = String(cString: entry)
                if let eq = text.firstIndex(of: "=") { all[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
                p += 1
            }
            self.environment = all
        }
    }

    /// The secret a reference names.
    public func resolve(_ reference: SecretReference) throws(SecretError) -> Secret {
        switch reference {
        case .env(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(message: "the secret's environment variable \(name) is not set")
            }
            return Secret(value)
        case .file(let path):
            return Secret(try Self.contents(of: path))
        }
    }

    /// A connection value: written in the repository, or resolved from its reference.
    public func resolve(_ value: ConnectionValue) throws(SecretError) -> String {
        switch value {
        case .literal(let text): return text
        case .reference(let reference): return try resolve(reference).reveal()
        }
    }

    /// A secret file's content without its trailing newline (at most 64 KiB).
    static func contents(of path: String) throws(SecretError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SecretError(message: "cannot read the secret file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 65_536 {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 { throw SecretError(message: "cannot read the secret file \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        guard bytes.count <= 65_536 else { throw SecretError(message: "the secret file \(path) is larger than 64 KiB") }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw SecretError(message: "the secret file \(path) is empty") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
