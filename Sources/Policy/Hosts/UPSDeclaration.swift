/// A UPS to watch through Network UPS Tools, declared in `ups/**/*.json`:
/// `{"id": "ups-main", "nut": {"host": "127.0.0.1", "port": 3493, "ups": "ups"}, "poll": "2s"}`.
public struct UPSDeclaration: Sendable, Hashable {
    /// The file it was declared in.
    public var path: String
    /// The id events carry as their subject (`{"kind": "ups", "id": ...}`).
    public var id: String
    /// upsd's host name or address.
    public var nutHost: String
    /// upsd's TCP port (3493 by default).
    public var nutPort: Int
    /// The UPS's name on that upsd.
    public var nutName: String
    /// Optional login for upsd (read-only commands need none).
    public var username: ConnectionValue?
    /// Optional password, only as a reference.
    public var password: SecretReference?
    /// How often to poll (2 s by default).
    public var poll: PolicyDuration
    /// Labels.
    public var labels: [String: String]

    /// Creates a declaration.
    public init(path: String, id: String, nutHost: String, nutPort: Int, nutName: String, username: ConnectionValue?, password: SecretReference?,
                poll: PolicyDuration, labels: [String: String]) {
        self.path = path
        self.id = id
        self.nutHost = nutHost
        self.nutPort = nutPort
        self.nutName = nutName
        self.username = username
        self.password = password
        self.poll = poll
        self.labels = labels
    }

    /// The declaration in normalized form.
    public var normalized: JSON {
        var nut: [JSON.Member] = [.init("host", .string(nutHost)), .init("port", .integer(Int64(nutPort))), .init("ups", .string(nutName))]
        if let username { nut.append(.init("username", username.json)) }
        if let password { nut.append(.init("password", password.json)) }
        return .object(["id": .string(id), "nut": .object(nut), "poll": .string(poll.canonical), "labels": HostDeclaration.labelsJSON(labels)])
    }

    /// Reads and validates a UPS declaration.
    public static func read(path: String, bytes: [UInt8]) -> (UPSDeclaration?, [Diagnostic]) {
        let checker = DocumentChecker(file: path, bytes: bytes)
        let hostReader = HostDeclarationReader(checker: checker, path: path)
        guard let document = checker.readJSON(), let root = checker.fields(document, at: .root, what: "a UPS declaration") else {
            return (nil, checker.diagnostics)
        }
        root.rejectUnknown(allowed: ["$schema", "id", "nut", "poll", "labels"], what: "a UPS declaration")
        _ = root.string("$schema")
        var id: String?
        if let text = root.string("id", required: true) {
            if SelectorParser.validName(text[...]) { id = text } else {
                checker.report(.invalidUPSID, root.member("id")!.value, root.pointer.appending("id"),
                               "UPS \"id\" is \"\(text)\"; ids are letters, digits, '.', '_' and '-', such as ups-main")
            }
        }
        var host: String?, port = 3493, name: String?
        var username: ConnectionValue?, password: SecretReference?
        if let nut = root.object("nut", required: true) {
            nut.rejectUnknown(allowed: ["host", "port", "ups", "username", "password"], what: "\"nut\"")
            host = nut.string("host", required: true)
            if let h = host, h.isEmpty || h.unicodeScalars.contains(where: { $0.value <= 0x20 }) {
                checker.report(.invalidValue, nut.member("host")!.value, nut.pointer.appending("host"), "\"host\" must be a host name or address")
                host = nil
            }
            if let p = nut.integer("port", in: 1...65535) { port = Int(p) }
            name = nut.string("ups", required: true)
            if let n = name, !SelectorParser.validName(n[...]) {
                checker.report(.invalidValue, nut.member("ups")!.value, nut.pointer.appending("ups"), "\"ups\" is the UPS's name in upsd, such as \"ups\"")
                name = nil
            }
            if nut.has("username") { username = hostReader.readValue(nut, "username", required: true) }
            if nut.has("password") { password = hostReader.readSecret(nut, "password", required: true) }
        }
        var poll = PolicyDuration(seconds: 2)
        if let p = root.duration("poll") {
            if p.seconds < 1 || p.seconds > 3600 {
                checker.report(.outOfRange, root.member("poll")!.value, root.pointer.appending("poll"), "\"poll\" must be from 1s to 1h, found \(p.canonical)")
            } else {
                poll = p
            }
        }
        let labels = root.object("labels").flatMap { HostDeclarationReader.readLabels($0, checker: checker) } ?? [:]
        guard !checker.hasBlocker, let id, let host, let name else { return (nil, checker.diagnostics) }
        return (UPSDeclaration(path: path, id: id, nutHost: host, nutPort: port, nutName: name, username: username,
                               password: password, poll: poll, labels: labels), checker.diagnostics)
    }
}
