import Policy
import SystemCalls

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
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The operator's configuration does not grant the secret to this holder and field
        /// (an unknown name, another host's secret, an unlisted `env`/`file` reference).
        case notGranted
        /// Granted, but its value cannot be had: the variable is unset, the file unreadable.
        case unavailable
        /// The value cannot go where it is asked for (a line break into a header).
        case unusable
    }

    public var kind: Kind
    public var message: String
    /// What failed underneath (the `Errno` of a secret file that cannot be read), kept as
    /// it was, not only as words in `message`.
    public var underlying: (any Error & Sendable)?
    public var description: String { message }
    /// An error of `kind` that says `message`, caused by `underlying` when given.
    public init(_ kind: Kind = .unavailable, message: String, underlying: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }
}

/// Who uses a secret: a host of `hosts/` (by id) or a UPS of `ups/` (by id).
public enum SecretHolder: Sendable, Hashable {
    case host(String)
    case ups(String)
}

/// Resolves the secret references of host and UPS declarations when a driver needs them,
/// and only then, as the operator's configuration grants them: `{"secret": NAME}` when the
/// named secret is granted to the holder and field, the older `{"env"}` and `{"file"}` only
/// where a grant lists them the same way. Values are never kept in a declaration, an IR
/// object, a manifest, a record or a log.
public struct Secrets: Sendable {
    let environment: [String: String]
    /// What the operator grants.
    public let configuration: OperatorConfiguration

    /// Secrets from `environment` (the process's own by default) and the file system, as
    /// `configuration` grants them (nothing without one).
    public init(environment: [String: String]? = nil, configuration: OperatorConfiguration = .strictest) {
        self.configuration = configuration
        self.environment = environment ?? ProcessEnvironment.variables()
    }

    /// The secret a reference names, for `holder` in connection field `field`.
    public func resolve(_ reference: SecretReference, for holder: SecretHolder, field: String) throws(SecretError) -> Secret {
        let grant: OperatorConfiguration.SecretGrant
        let result: Result<OperatorConfiguration.SecretGrant, OperatorConfiguration.SecretRefusal>
        switch reference {
        case .named(let name): result = configuration.grant(named: name, holder: holder.grantHolder, field: field)
        case .env, .file: result = configuration.grant(listing: reference, holder: holder.grantHolder, field: field)
        }
        switch result {
        case .success(let g): grant = g
        case .failure(let refusal): throw SecretError(.notGranted, message: refusal.description)
        }
        switch grant.source {
        case .env(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(message: "\(reference.shown): the environment variable \(name) is not set")
            }
            return Secret(value)
        case .file(let path):
            do { return Secret(try Self.contents(of: path)) } catch {
                throw SecretError(error.kind, message: "\(reference.shown): \(error.message)", underlying: error.underlying ?? error)
            }
        case .named:
            throw SecretError(.notGranted, message: "\(reference.shown): a grant's source is an environment variable or a file")
        }
    }

    /// A connection value: written in the repository, or resolved from its reference.
    public func resolve(_ value: ConnectionValue, for holder: SecretHolder, field: String) throws(SecretError) -> String {
        switch value {
        case .literal(let text): return text
        case .reference(let reference): return try resolve(reference, for: holder, field: field).reveal()
        }
    }

    /// A value for an HTTP header: no CR, LF or other control character can split it into
    /// a second header.
    public static func headerSafe(_ value: String, field: String) throws(SecretError) -> String {
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw SecretError(.unusable, message: "the value of \"\(field)\" holds a line break or another control character, and never goes into a header")
        }
        return value
    }

    /// A secret file's content without its trailing newline (at most 64 KiB).
    static func contents(of path: String) throws(SecretError) -> String {
        var bytes: [UInt8]
        do throws(Errno) {
            let fd = try FileDescriptor.open(path, .readOnly)
            defer { fd.close() }
            bytes = try fd.readAll(limit: 65_536)
        } catch {
            throw SecretError(message: "cannot read the secret file \(path): \(error.text)", underlying: error)
        }
        guard bytes.count <= 65_536 else { throw SecretError(message: "the secret file \(path) is larger than 64 KiB") }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw SecretError(message: "the secret file \(path) is empty") }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension SecretHolder {
    var grantHolder: OperatorConfiguration.Holder {
        switch self {
        case .host(let id): return .host(id)
        case .ups(let id): return .ups(id)
        }
    }
}

extension SecretReference {
    /// The reference as written, for messages: `{"secret": "pve1-token"}`.
    public var shown: String { json.canonicalString }
}
