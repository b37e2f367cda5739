import Drivers
import Engine
import Git
import Policy
import Secrets
import PolicyRepository
import Store

/// `policyops inventory`: what hosts have, refreshed through their drivers, and a search
/// over every host's targets.
enum InventoryCommand: Command {
    static let spec = CommandSpec(
        name: "inventory",
        overview: "Show a host's inventory (refreshed through its driver on request), or search every host's targets.",
        arguments: [ArgumentSpec(name: "search QUERY", help: "Search ids, names and labels of targets and of their hosts (words, or the selector query language).", optional: true, repeatable: true)],
        options: [RepositoryOptions.repo, RepositoryOptions.rev, .value("state", "DIR", "The state directory (required)."),
                  .value("host", "ID", "The host (its id or name)."), .flag("refresh", "Refresh through the driver first (full discovery)."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json"]), OperatorOptions.config],
        discussion: "--refresh reads the hosts of the working tree, or of the commit at --rev (a bare repository has no working tree: HEAD).")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        let root = context.absolute(stateDir)
        let folder = root + "/inventory"
        if arguments.positionals.first == "search" {
            let query = arguments.positionals.dropFirst().joined(separator: " ")
            guard !query.isEmpty else { throw UsageError(message: "Missing expected argument 'QUERY'", command: spec) }
            return try search(query, folder: folder, hosts: declaredHosts(arguments, context), json: arguments.value("format") == "json", context)
        }
        guard arguments.positionals.isEmpty else { throw UsageError(message: "Unexpected argument '\(arguments.positionals[0])'", command: spec) }
        guard let hostArg = arguments.value("host") else { throw UsageError(message: "Missing expected option '--host <id>'", command: spec) }
        var inventory: HostInventory?
        if arguments.flag("refresh") {
            let view = try RepositoryOptions.open(arguments, context, requireGit: arguments.value("rev") != nil)
            let bare = view.git.map { $0.workingDirectory == nil } ?? false
            let snapshot = arguments.value("rev") != nil || bare
                ? try view.snapshot(at: try view.resolve(arguments.value("rev") ?? "HEAD")) : try view.workingTreeSnapshot()
            let compilation = SnapshotCompiler().compile(snapshot)
            guard let host = compilation.hosts.first(where: { $0.id == hostArg.lowercased() || $0.name == hostArg }) else {
                throw EnvironmentError("no host \(hostArg) is declared in \(view.folder ?? ".")\(arguments.value("rev").map { " at \($0)" } ?? (bare ? " at HEAD" : ""))")
            }
            let clock = SystemClock()
            let secrets = Secrets(environment: context.environment, configuration: try OperatorOptions.load(arguments, context))
            let engine = Engine(drivers: StandardDrivers(world: FileSimulatedWorld(stateDirectory: root), clock: clock, secrets: secrets), clock: clock)
            let set = PolicySet(commit: "", policies: [], hosts: compilation.hosts, ups: [], timeZone: "UTC")
            let fresh = blocking {
                await engine.apply(set)
                return await engine.refresh(host.id, full: true)
            }
            try AtomicFile.makeFolders(folder)
            try AtomicFile.write(Array(fresh.json.pretty().utf8), to: "\(folder)/\(host.id).json")
            inventory = fresh
        } else {
            for name in (try? files(folder)) ?? [] {
                if let bytes = try AtomicFile.read(folder + "/" + name), let json = JSON.parse(bytes), let inv = HostInventory(json: json),
                   inv.hostID == hostArg.lowercased() || json["host_name"]?.stringValue == hostArg {
                    inventory = inv
                }
            }
        }
        guard let inventory else {
            throw EnvironmentError("no inventory of \(hostArg) in \(folder); refresh it: policyops inventory --repo DIR --state \(stateDir) --host \(hostArg) --refresh")
        }
        if arguments.value("format") == "json" {
            context.console.print(inventory.json.pretty(), terminator: "")
        } else {
            context.console.print("host \(inventory.hostID): \(inventory.targets.count) targets, refreshed \(inventory.refreshedAt?.iso8601 ?? "never")\(inventory.stale ? " (stale)" : "")\(inventory.reachable ? "" : ", unreachable")")
            if let p = inventory.problem { context.console.print("  problem: \(p)".terminalSafe) }
            for t in inventory.targets { context.console.print(describe(t).terminalSafe) }
        }
        return inventory.reachable ? .success : .errors
    }

    static func describe(_ t: InventoryTarget) -> String {
        "  " + t.id.padded(to: 18) + t.name.padded(to: 18) + t.state.padded(to: 10)
            + t.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    static func files(_ folder: String) throws -> [String] {
        try FileList.names(in: folder).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// The declared hosts' names and labels by id, from the working tree of `--repo` (the
    /// current folder by default); none when there is no policy repository there.
    static func declaredHosts(_ arguments: ParsedArguments, _ context: CommandContext) -> [String: SelectorQuery.HostFacts] {
        guard let view = try? RepositoryOptions.open(arguments, context, requireGit: false),
              let snapshot = try? view.workingTreeSnapshot() else { return [:] }
        let hosts = SnapshotCompiler().compile(snapshot).hosts
        return Dictionary(hosts.map { ($0.id, SelectorQuery.HostFacts(name: $0.name, labels: $0.labels)) }, uniquingKeysWith: { a, _ in a })
    }

    /// Targets whose id, name, state or labels, or whose host's name or labels, contain every
    /// word, or that match the query language (`host.name`, `host.label.KEY` included); as
    /// lines, or as `{"query", "targets": [{"host_id", "host_name"?, ...target}], "count"}`.
    static func search(_ query: String, folder: String, hosts: [String: SelectorQuery.HostFacts], json asJSON: Bool,
                       _ context: CommandContext) throws -> ExitCode {
        var hits = 0
        var found: [JSON] = []
        let words = query.lowercased().split(separator: " ").map(String.init)
        for name in (try? files(folder)) ?? [] {
            guard let bytes = try AtomicFile.read(folder + "/" + name), let json = JSON.parse(bytes), let inv = HostInventory(json: json) else { continue }
            let host = hosts[inv.hostID]
            let hostWords = host.map { [$0.name] + $0.labels.map { "\($0.key)=\($0.value)" } } ?? []
            for t in inv.targets {
                let parsed = try? SelectorQuery.parse(query, targetType: t.type).get()
                let matches: Bool
                if let parsed {
                    matches = parsed.matches(nativeID: t.nativeID, name: t.name, status: t.state, labels: t.labels, host: host)
                } else {
                    let text = ([t.id, t.name, t.state] + t.labels.map { "\($0.key)=\($0.value)" } + hostWords).joined(separator: " ").lowercased()
                    matches = words.allSatisfy { text.contains($0) }
                }
                guard matches else { continue }
                hits += 1
                if asJSON {
                    let hostName: [JSON.Member] = host.map { [.init("host_name", .string($0.name))] } ?? []
                    found.append(.object([.init("host_id", .string(inv.hostID))] + hostName + (t.json.objectMembers ?? [])))
                } else {
                    context.console.print("\((host?.name ?? String(inv.hostID.prefix(8))).padded(to: 12))\(describe(t))".terminalSafe)
                }
            }
        }
        if asJSON {
            context.console.print(JSON.object(["query": .string(query), "targets": .array(found), "count": .integer(Int64(hits))]).pretty(), terminator: "")
            return .success
        }
        context.console.print("\(Plural.count(hits, "target")) found")
        return .success
    }
}
