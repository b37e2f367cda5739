import Engine
import Policy
import Store

/// `policyops gc`: the state directory's retention run by hand (SPEC section 10): old
/// manifests, objects no kept manifest names, and old ledger segments behind a checkpoint.
enum GcCommand: Command {
    static let spec = CommandSpec(
        name: "gc",
        overview: "Prune old manifests, unreferenced IR objects and old ledger segments from a state directory.",
        options: [.value("state", "DIR", "The state directory (required)."),
                  .value("keep-manifests", "N", "Keep the manifests of the N commits compiled last, besides the applied one (default: 20)."),
                  .value("keep-segments", "N", "Keep the N newest ledger segments (default: 8; at least 1)."),
                  .value("keep-days", "DAYS", "Keep also every ledger segment with a record of the last DAYS days."),
                  .flag("dry-run", "Say what would be removed; remove nothing."),
                  .value("format", "FORMAT", "Output format (default: text).", choices: ["text", "json"])],
        discussion: """
            Refused while a reconciler holds the state directory's lock: stop it first (gc takes the lock itself).
            The ledger keeps a checkpoint (ledger/checkpoint.json) so that `ledger --verify` proves the chain from the first kept record.
            Exit status: 0 done, 2 usage or environment error (the lock is held, a file cannot be read or removed).
            """)

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        guard let stateDir = arguments.value("state") else { throw UsageError(message: "Missing expected option '--state <dir>'", command: spec) }
        func count(_ name: String, _ fallback: Int, minimum: Int = 0) throws -> Int {
            guard let text = arguments.value(name) else { return fallback }
            guard let n = Int(text), n >= minimum else { throw UsageError(message: "--\(name) takes a number of at least \(minimum)", command: spec) }
            return n
        }
        let root = context.absolute(stateDir)
        guard AtomicFile.exists(root + "/ledger") || AtomicFile.exists(root + "/commits") else {
            throw EnvironmentError("\(root) is not a state directory (it has neither ledger/ nor commits/)")
        }
        let now = SystemClock().now()
        let days = try arguments.value("keep-days").map { _ in try count("keep-days", 0) }
        let policy = RetentionPolicy(manifests: try count("keep-manifests", 20), ledgerSegments: try count("keep-segments", 8, minimum: 1),
                                     ledgerKeepSince: days.map { now.adding(seconds: -Int64($0) * 86_400).iso8601 })
        // Held for the whole pass: no reconciler starts, none writes while objects go.
        let lock: StateLock
        do { lock = try StateLock(stateDirectory: root) } catch let error as StateLock.HeldError {
            throw EnvironmentError("gc refused: \(error.message); stop it first")
        }
        let plan = try StateRetention.plan(stateDirectory: root, policy: policy, now: now.milliseconds / 1000)
        let dryRun = arguments.flag("dry-run")
        if !dryRun { try StateRetention.apply(plan, stateDirectory: root) }
        withExtendedLifetime(lock) {}
        if arguments.value("format") == "json" {
            context.console.print(json(plan, dryRun: dryRun).pretty(), terminator: "")
            return .success
        }
        let verb = dryRun ? "would remove" : "removed"
        context.console.print("\(verb) \(Plural.count(plan.manifests.count, "manifest")), \(Plural.count(plan.objects.count, "object")), "
            + "\(Plural.count(plan.segments.count, "ledger segment")): \(plan.bytes) bytes")
        context.console.print("kept     \(Plural.count(plan.keptManifests, "manifest")), \(Plural.count(plan.keptObjects, "object")), "
            + "\(Plural.count(plan.keptSegments, "ledger segment"))")
        if let c = plan.checkpoint {
            context.console.print("ledger checkpoint at seq \(c.seq): the chain is proved from seq \(c.seq + 1) (\(c.firstSegment)) on")
        }
        for note in plan.notes { context.console.print(("note: " + note).terminalSafe) }
        return .success
    }

    static func json(_ plan: RetentionPlan, dryRun: Bool) -> JSON {
        .object([
            "dry_run": .bool(dryRun),
            "manifests": .array(plan.manifests.map(JSON.string)),
            "objects": .integer(Int64(plan.objects.count)),
            "segments": .array(plan.segments.map(JSON.string)),
            "bytes": .integer(Int64(plan.bytes)),
            "checkpoint": plan.checkpoint.map { c in
                .object(["seq": .integer(c.seq), "chain": .string(c.chain), "first_segment": .string(c.firstSegment)])
            } ?? .null,
            "kept": .object(["manifests": .integer(Int64(plan.keptManifests)), "objects": .integer(Int64(plan.keptObjects)),
                             "segments": .integer(Int64(plan.keptSegments))]),
            "notes": .array(plan.notes.map(JSON.string)),
        ])
    }
}
