import Engine
import Hashing
import Policy
import Store
import SystemCalls

/// `policyops event emit`: drops an event into a reconciler's inbox.
enum EventCommand: Command {
    static let spec = CommandSpec(
        name: "event",
        overview: "Emit an event into a reconciler's inbox (ups.state, metric, webhook.custom).",
        arguments: [ArgumentSpec(name: "emit", help: "The action: emit.")],
        options: [
            .value("state", "DIR", "The reconciler's state directory (required)."),
            .value("kind", "KIND", "ups.state, metric or webhook.custom (required).", choices: ["ups.state", "metric", "webhook.custom"]),
            .value("subject", "KIND:ID", "What the event is about, such as ups:ups-main (default: the first declared UPS)."),
            .value("attr", "KEY=VALUE", "An attribute: state=on_battery, load=72, name=deploy (repeatable).", repeatable: true),
            .value("correlation-id", "ID", "Carried into every ledger record about the event."),
        ],
        discussion: """
        Examples:
          policyops event emit --state /var/lib/policyops --kind ups.state --subject ups:ups-main --attr state=on_battery
          policyops event emit --state /var/lib/policyops --kind metric --attr load=72 --attr charge_pct=80
          policyops event emit --state /var/lib/policyops --kind webhook.custom --attr name=power-drill --correlation-id drill-7
        The event is written to a temporary file and renamed into inbox/, so the reconciler never reads half of it; \
        it is consumed exactly once.
        """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard arguments.positionals[0] == "emit" else { throw UsageError(message: "Unknown action '\(arguments.positionals[0])'; use emit", command: spec) }
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        guard let kindText = arguments.value("kind"), let type = EventType(rawValue: kindText) else {
            throw UsageError(message: "Missing expected option '--kind <kind>'", command: spec)
        }
        var attrs: [String: String] = [:]
        for a in arguments.all("attr") {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
                throw UsageError(message: "--attr takes KEY=VALUE, not '\(a)'", command: spec)
            }
            attrs[String(a[..<eq])] = String(a[a.index(after: eq)...])
        }
        if type == .upsState || type == .metric {
            let known = (type == .upsState ? ["state"] : []) + Metric.acceptedNames
            for key in attrs.keys.sorted() where !known.contains(key) {
                throw UsageError(message: "--attr \(key)=...: \(key) is not \(type == .upsState ? "state or " : "")a metric PolicyOps knows "
                    + "(metrics: \(Metric.acceptedNames.joined(separator: ", ")))", command: spec)
            }
        }
        var subject = Subject(kind: "", id: "")
        if let s = arguments.value("subject") {
            guard let colon = s.firstIndex(of: ":"), colon != s.startIndex, s.index(after: colon) != s.endIndex else {
                throw UsageError(message: "--subject takes KIND:ID such as ups:ups-main, not '\(s)'", command: spec)
            }
            subject = Subject(kind: String(s[..<colon]), id: String(s[s.index(after: colon)...]))
            if type != .webhook && subject.kind != "ups" {
                throw UsageError(message: "a \(type.rawValue) event is about a UPS: --subject ups:ID, not '\(s)'", command: spec)
            }
        }
        let kind: String
        switch type {
        case .upsState: kind = attrs["state"] ?? ""
        case .webhook: kind = attrs["name"] ?? ""
        default: kind = attrs.keys.sorted().joined(separator: ",")
        }
        let now = SystemClock().now()
        var random = SystemRandomNumberGenerator()
        let id = Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255, using: &random) })
        var event: Event
        do {
            event = try Event(id: id, type: type, kind: kind, subject: subject, attrs: attrs, ts: now,
                              correlationID: arguments.value("correlation-id")).validated()
        } catch {
            throw UsageError(message: error.message, command: spec)
        }
        let root = context.absolute(stateDir)
        guard FileStatus.at(root)?.kind == .directory else {
            throw EnvironmentError("\(root) is not a state directory: it is not an existing folder (the reconciler makes it: policyops reconcile --state \(stateDir))")
        }
        // Whoever can write the inbox can shut machines down: it is the reconciler's user's alone.
        let inbox = Inbox(stateDirectory: root)
        let writable = AtomicFile.exists(inbox.folder) ? inbox.folder : root
        do { try FileSystem.checkAccess(writable, [.write, .execute]) } catch {
            throw EnvironmentError("cannot write the inbox of \(root): \(error.text); the state directory is private to the reconciler's user (mode 0700), "
                + "so run event emit as that user", underlying: error)
        }
        if type != .webhook { event.subject = try upsSubject(subject, type: type, stateDirectory: root, context) }
        let name = try inbox.put(event.json, id: id, milliseconds: now.milliseconds)
        context.console.print("emitted \(type.rawValue) \(kind) as \(id) (inbox/\(name))")
        return .success
    }

    /// The UPS a `ups.state` or `metric` event is about, checked against the UPSes the
    /// applied commit declares; without `--subject`, the first of them (the engine's
    /// default, written out so the event and its record say which UPS it was).
    static func upsSubject(_ given: Subject, type: EventType, stateDirectory root: String, _ context: CommandContext) throws -> Subject {
        guard let applied = try AppliedManifest.read(stateDirectory: root) else {
            guard !given.id.isEmpty else {
                throw EnvironmentError("nothing is applied in \(root) yet, so there is no first declared UPS; name the UPS with --subject ups:ID")
            }
            context.console.error("warning: nothing is applied in \(root) yet; ups:\(given.id) is not checked against the declared UPSes")
            return given
        }
        guard !applied.upsIDs.isEmpty else {
            throw EnvironmentError("the applied commit \(applied.commit.prefix(7)) declares no UPS (ups/**/*.json) for a \(type.rawValue) event to be about")
        }
        guard !given.id.isEmpty else { return Subject(kind: "ups", id: applied.upsIDs[0]) }
        guard applied.upsIDs.contains(given.id) else {
            throw EnvironmentError("no UPS \(given.id) is declared in the applied commit \(applied.commit.prefix(7)) (declared: \(applied.upsIDs.joined(separator: ", ")))")
        }
        return given
    }
}
