/// Where a secret lives at run time: never in git, only a reference to it.
public enum SecretReference: Sendable, Hashable {
    /// A secret the operator's configuration names and grants (`{"secret": NAME}`).
    case named(String)
    /// An environment variable of the reconciler's process (valid only where the
    /// operator's configuration lists it for the host and field).
    case env(String)
    /// A file on the reconciler's machine, its content without a trailing newline (valid
    /// only where the operator's configuration lists it for the host and field).
    case file(String)

    /// `{"secret": NAME}`, `{"env": NAME}` or `{"file": PATH}`.
    public var json: JSON {
        switch self {
        case .named(let name): return .object(["secret": .string(name)])
        case .env(let name): return .object(["env": .string(name)])
        case .file(let path): return .object(["file": .string(path)])
        }
    }
}

/// A connection setting: a literal written in the repository, or a reference resolved at run time.
public enum ConnectionValue: Sendable, Hashable {
    case literal(String)
    case reference(SecretReference)

    /// The literal or the reference as JSON.
    public var json: JSON {
        switch self {
        case .literal(let s): return .string(s)
        case .reference(let r): return r.json
        }
    }
}

/// How a driver checks the server's certificate.
public struct TLSSettings: Sendable, Hashable {
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var caFile: ConnectionValue?
    /// The SHA-256 fingerprint of the server's certificate, 32 bytes, pinned.
    public var fingerprintSHA256: [UInt8]?
    /// True turns verification off (reported as a warning).
    public var insecure: Bool

    /// Verification with the system's certificate authorities.
    public static let standard = TLSSettings(caFile: nil, fingerprintSHA256: nil, insecure: false)

    /// Creates TLS settings.
    public init(caFile: ConnectionValue?, fingerprintSHA256: [UInt8]?, insecure: Bool) {
        self.caFile = caFile
        self.fingerprintSHA256 = fingerprintSHA256
        self.insecure = insecure
    }

    /// The fingerprint as `AB:CD:...`.
    public var fingerprintText: String? {
        fingerprintSHA256.map { bytes in bytes.map { b in
            let hex = Array("0123456789ABCDEF")
            return String([hex[Int(b >> 4)], hex[Int(b & 0xF)]])
        }.joined(separator: ":") }
    }

    var json: JSON {
        var members: [JSON.Member] = []
        if let caFile { members.append(.init("ca_file", caFile.json)) }
        if let fingerprintText { members.append(.init("fingerprint_sha256", .string(fingerprintText))) }
        members.append(.init("insecure", .bool(insecure)))
        return .object(members)
    }
}

/// A target of a simulated host, as declared in the repository.
public struct SimulatedTarget: Sendable, Hashable {
    /// The canonical id, such as `vm:104`.
    public var id: String
    /// The target's type.
    public var targetType: TargetType
    /// The native id, such as `104`.
    public var nativeID: String
    /// A friendly name.
    public var name: String
    /// `running`/`stopped` for VMs and containers, `on`/`off` for PoE ports.
    public var state: String
    /// Labels for queries.
    public var labels: [String: String]

    /// Creates a simulated target.
    public init(id: String, targetType: TargetType, nativeID: String, name: String, state: String, labels: [String: String]) {
        self.id = id
        self.targetType = targetType
        self.nativeID = nativeID
        self.name = name
        self.state = state
        self.labels = labels
    }
}

/// The connection settings of each driver (SPEC section 2).
public enum HostConnection: Sendable, Hashable {
    case proxmox(url: ConnectionValue, node: ConnectionValue, tokenID: ConnectionValue, tokenSecret: SecretReference, tls: TLSSettings)
    case aoss(url: ConnectionValue, apiVersion: String, username: ConnectionValue, password: SecretReference, protectedPorts: [String], tls: TLSSettings)
    case webhook(url: ConnectionValue, hmacSecret: SecretReference?, headers: [String: ConnectionValue], tls: TLSSettings)
    case exec(workingDirectory: String?, environment: [String: ConnectionValue])
    case sim(targets: [SimulatedTarget])
}

/// A host that policies target, declared in `hosts/**/*.json`.
public struct HostDeclaration: Sendable, Hashable {
    /// The file it was declared in, relative to the policy repository.
    public var path: String
    /// The UUID, lower case.
    public var id: String
    /// The host's name, such as `pve-1`.
    public var name: String
    /// Its driver.
    public var driver: DriverKind
    /// How to reach it.
    public var connection: HostConnection
    /// Labels for the inventory index and queries.
    public var labels: [String: String]
    /// `connection.refresh_sla`: how long the fast refresh of preflight may take on this host,
    /// instead of its capability's `defaults.dry_run_refresh_sla_s`; nil when not set.
    public var refreshSLA: PolicyDuration?

    /// The shortest and the longest `refresh_sla` accepted.
    public static let refreshSLABounds = PolicyDuration(seconds: 1)...PolicyDuration(seconds: 60)

    /// Creates a declaration.
    public init(path: String, id: String, name: String, driver: DriverKind, connection: HostConnection, labels: [String: String],
                refreshSLA: PolicyDuration? = nil) {
        self.path = path
        self.id = id
        self.name = name
        self.driver = driver
        self.connection = connection
        self.labels = labels
        self.refreshSLA = refreshSLA
    }

    /// The refresh SLA of preflight on this host, in seconds: its `refresh_sla`, or `defaultSeconds`.
    public func refreshSLASeconds(default defaultSeconds: Int) -> Int64 { refreshSLA?.seconds ?? Int64(defaultSeconds) }

    /// The declaration in normalized form: defaults filled in, secrets as references only.
    /// This is what the state directory stores.
    public var normalized: JSON {
        .object([
            "id": .string(id),
            "name": .string(name),
            "driver": .string(driver.rawValue),
            "connection": connectionWithSLA,
            "labels": HostDeclaration.labelsJSON(labels),
        ])
    }

    static func labelsJSON(_ labels: [String: String]) -> JSON {
        .object(labels.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) })
    }

    /// The connection, with `refresh_sla` when the host sets one (left out otherwise, so the
    /// normalized form of a host without one is as it was).
    var connectionWithSLA: JSON {
        guard let refreshSLA, case .object(let members) = connectionJSON else { return connectionJSON }
        return .object(members + [.init("refresh_sla", .string(refreshSLA.description))])
    }

    var connectionJSON: JSON {
        switch connection {
        case .proxmox(let url, let node, let tokenID, let tokenSecret, let tls):
            return .object(["url": url.json, "node": node.json, "token_id": tokenID.json, "token_secret": tokenSecret.json, "tls": tls.json])
        case .aoss(let url, let apiVersion, let username, let password, let protectedPorts, let tls):
            return .object(["url": url.json, "api_version": .string(apiVersion), "username": username.json, "password": password.json,
                            "protected_ports": .array(protectedPorts.map(JSON.string)), "tls": tls.json])
        case .webhook(let url, let hmacSecret, let headers, let tls):
            var members: [JSON.Member] = [.init("url", url.json)]
            if let hmacSecret { members.append(.init("hmac_secret", hmacSecret.json)) }
            members.append(.init("headers", .object(headers.sorted { $0.key < $1.key }.map { JSON.Member($0.key, $0.value.json) })))
            members.append(.init("tls", tls.json))
            return .object(members)
        case .exec(let workingDirectory, let environment):
            var members: [JSON.Member] = []
            if let workingDirectory { members.append(.init("working_dir", .string(workingDirectory))) }
            members.append(.init("env", .object(environment.sorted { $0.key < $1.key }.map { JSON.Member($0.key, $0.value.json) })))
            return .object(members)
        case .sim(let targets):
            return .object(["targets": .array(targets.map { t in
                .object(["id": .string(t.id), "name": .string(t.name), "state": .string(t.state), "labels": HostDeclaration.labelsJSON(t.labels)])
            })])
        }
    }
}
