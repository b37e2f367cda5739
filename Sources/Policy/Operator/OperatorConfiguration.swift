/// What the operator grants the policy repository, from a file outside it
/// (`/etc/policyops/config.json` by default): which secrets which hosts may use, which
/// programs `exec` may run and as whom, where drivers may connect, and which refs the
/// pre-receive hook guards. Absent, the strictest defaults stand: no secrets, no programs,
/// no network destinations.
public struct OperatorConfiguration: Sendable, Hashable {
    /// Secrets by name.
    public var secrets: [String: SecretGrant]
    /// What the `exec` driver may run.
    public var exec: ExecGrant
    /// Where drivers and UPS monitors may connect.
    public var network: NetworkAllowList
    /// The pre-receive hook's settings.
    public var hook: HookSettings
    /// The file it was read from; nil for the strictest defaults (no file).
    public var path: String?

    /// The default location.
    public static let defaultPath = "/etc/policyops/config.json"

    /// No file: nothing granted.
    public static let strictest = OperatorConfiguration(secrets: [:], exec: .none, network: .none, hook: .standard, path: nil)

    /// A configuration of these grants.
    public init(secrets: [String: SecretGrant], exec: ExecGrant, network: NetworkAllowList, hook: HookSettings, path: String?) {
        self.secrets = secrets
        self.exec = exec
        self.network = network
        self.hook = hook
        self.path = path
    }

    /// Where a secret's value comes from and who may use it.
    public struct SecretGrant: Sendable, Hashable {
        /// An environment variable of the reconciler or a file on its machine.
        public var source: SecretReference
        /// The host ids (lower case) that may use it.
        public var hosts: Set<String>
        /// The UPS ids of `ups/` that may use it (upsd's `username` and `password`).
        public var ups: Set<String>
        /// The connection fields that may hold it (`token_secret`, `headers.Authorization`, `env.API_KEY`).
        public var fields: Set<String>

        /// A grant of `source` to `hosts` and `ups` in `fields`.
        public init(source: SecretReference, hosts: Set<String>, ups: Set<String> = [], fields: Set<String>) {
            self.source = source
            self.hosts = hosts
            self.ups = ups
            self.fields = fields
        }

        /// True when `holder` may use it in `field`.
        public func permits(_ holder: Holder, field: String) -> Bool {
            guard fields.contains(field) else { return false }
            switch holder {
            case .host(let id): return hosts.contains(id.lowercased())
            case .ups(let id): return ups.contains(id)
            }
        }
    }

    /// Who asks for a secret: a host (by id) or a UPS (by id).
    public enum Holder: Sendable, Hashable {
        case host(String)
        case ups(String)
    }

    /// The grant of a secret by its name, when `holder` may use it in `field`; else why not.
    public func grant(named name: String, holder: Holder, field: String) -> Result<SecretGrant, SecretRefusal> {
        guard let grant = secrets[name] else { return .failure(.unknown(name: name, configuration: path)) }
        guard grant.permits(holder, field: field) else { return .failure(.notGranted(name: name, field: field)) }
        return .success(grant)
    }

    /// The grant that lists an older `{"env"}` or `{"file"}` reference for `holder` and `field`.
    public func grant(listing reference: SecretReference, holder: Holder, field: String) -> Result<SecretGrant, SecretRefusal> {
        if let grant = secrets.values.first(where: { $0.source == reference && $0.permits(holder, field: field) }) {
            return .success(grant)
        }
        return .failure(.unlisted(reference: reference, field: field, configuration: path))
    }

    /// Why a host may not use a secret. The message names the secret, never a value.
    public enum SecretRefusal: Error, Sendable, Hashable, CustomStringConvertible {
        case unknown(name: String, configuration: String?)
        case notGranted(name: String, field: String)
        case unlisted(reference: SecretReference, field: String, configuration: String?)

        public var description: String {
            switch self {
            case .unknown(let name, let file):
                return "the secret \"\(name)\" is not in the operator's configuration (\(file ?? "none: \(OperatorConfiguration.defaultPath) does not exist")); grant it there under \"secrets\""
            case .notGranted(let name, let field):
                return "the secret \"\(name)\" is not granted to this host or UPS for \"\(field)\"; the operator's configuration lists the hosts, UPSes and fields that may use it"
            case .unlisted(let reference, let field, let file):
                let written = reference.json.canonicalString
                return "\(written) in \"\(field)\" is not listed for this host in the operator's configuration (\(file ?? "none")); name a secret instead, {\"secret\": NAME}, granted to this host and field"
            }
        }
    }
}

/// What `exec` may run: programs by absolute path (argv[0] must be one), as one user, never root.
public struct ExecGrant: Sendable, Hashable {
    /// Absolute paths of the programs the operator allows.
    public var allow: [String]
    /// The user the programs run as; nil runs them as the reconciler's user (refused when that is root).
    public var user: String?

    /// Nothing may run.
    public static let none = ExecGrant(allow: [], user: nil)

    /// A grant of `allow`, run as `user`.
    public init(allow: [String], user: String?) {
        self.allow = allow
        self.user = user
    }

    /// Programs that run what they are given (a shell, an interpreter, a launcher): allowed
    /// only where the operator names one by path.
    public static let interpreters: Set<String> = [
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "csh", "tcsh", "fish", "ash", "busybox", "toybox",
        "env", "sudo", "su", "doas", "nohup", "setsid", "xargs", "nice", "timeout", "stdbuf", "chroot", "runuser", "script",
        "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "tclsh", "awk", "gawk", "mawk", "nawk",
    ]

    /// True when a program's base name is that of a shell or an interpreter (`python3.11` too).
    public static func isInterpreter(_ path: String) -> Bool {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if interpreters.contains(base) { return true }
        let stem = base.prefix { !$0.isNumber && $0 != "." && $0 != "-" }
        return ["python", "perl", "ruby", "lua", "php"].contains(String(stem))
    }
}

/// The pre-receive hook's settings from the operator: the refs it guards and whether it
/// runs the repository's tests.
public struct HookSettings: Sendable, Hashable {
    /// The refs guarded; nil when the file names none (then `hook install --refs`, else every branch).
    public var refs: [String]?
    /// True runs the repository's `tests/` on each push.
    public var runTests: Bool

    /// No refs named; tests not run.
    public static let standard = HookSettings(refs: nil, runTests: false)

    /// A ref pattern the hook can guard: `refs/...`, without `..`, whitespace, control
    /// characters, quotes or a comma (the hook script and `--refs` carry them as one word).
    public static func isRefPattern(_ s: String) -> Bool {
        s.hasPrefix("refs/") && s.count > 5 && !s.contains("..")
            && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !"\"'\\,".unicodeScalars.contains($0) }
    }

    /// Settings of these refs.
    public init(refs: [String]?, runTests: Bool) {
        self.refs = refs
        self.runTests = runTests
    }
}
