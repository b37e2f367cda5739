import Policy

/// One action of a policy, as a driver sees it.
public struct PlannedAction: Sendable, Hashable {
    /// The policy it belongs to.
    public var policyID: String
    /// The capability, such as `sim.vm`.
    public var capability: String
    /// The verb, such as `shutdown`.
    public var verb: String
    /// The parameters, defaults filled in.
    public var params: JSON
    /// The idempotency key hint, if any.
    public var keyHint: String?

    /// Creates an action.
    public init(policyID: String, capability: String, verb: String, params: JSON, keyHint: String?) {
        self.policyID = policyID
        self.capability = capability
        self.verb = verb
        self.params = params
        self.keyHint = keyHint
    }
}

/// What a dry-run answers (SPEC section 7): whether the action can run, what it would do
/// to each target, and why not when it cannot. A dry-run changes nothing.
public struct DryRunResult: Sendable {
    /// One check the driver made.
    public struct Precondition: Sendable, Hashable {
        public var check: String
        public var ok: Bool
        public var details: String?
        public init(check: String, ok: Bool, details: String? = nil) {
            self.check = check
            self.ok = ok
            self.details = details
        }
    }

    /// What would change on one target.
    public struct TargetEffect: Sendable, Hashable {
        public var id: String
        public var from: String
        public var to: String
        /// Why the target is left as it is, when that is not because it is already there
        /// (a protected port).
        public var note: String?
        public init(id: String, from: String, to: String, note: String? = nil) {
            self.id = id
            self.from = from
            self.to = to
            self.note = note
        }
        /// True when the target is already as the action would leave it.
        public var isNoOp: Bool { from == to }
    }

    /// True when the action can run.
    public var ok: Bool
    /// `info` when nothing is wrong, `error` when it cannot run.
    public var severity: Severity
    /// The code of the problem, when there is one.
    public var code: DiagnosticCode?
    /// The checks made.
    public var preconditions: [Precondition]
    /// `cli`, `api` or `ssh`.
    public var planKind: String
    /// The requests or commands the driver would send.
    public var preview: [String]
    /// One line for people.
    public var summary: String
    /// Per target: from what to what.
    public var perTarget: [TargetEffect]
    /// Why it cannot run, when it cannot.
    public var reason: String?

    /// Creates a result.
    public init(ok: Bool, severity: Severity, code: DiagnosticCode? = nil, preconditions: [Precondition], planKind: String,
                preview: [String], summary: String, perTarget: [TargetEffect], reason: String? = nil) {
        self.ok = ok
        self.severity = severity
        self.code = code
        self.preconditions = preconditions
        self.planKind = planKind
        self.preview = preview
        self.summary = summary
        self.perTarget = perTarget
        self.reason = reason
    }

    /// A failed dry-run.
    public static func failure(_ code: DiagnosticCode, _ reason: String, checks: [Precondition] = []) -> DryRunResult {
        DryRunResult(ok: false, severity: code.severity, code: code, preconditions: checks, planKind: "api", preview: [],
                     summary: reason, perTarget: [], reason: reason)
    }

    /// The JSON of SPEC section 7, with the idempotency key of the action, and the code of
    /// the problem (`"code": "PO5013"`) when there is one.
    public func json(idempotencyKey: String) -> JSON {
        var members: [JSON.Member] = [
            .init("ok", .bool(ok)), .init("severity", .string(severity.rawValue)), .init("idempotency_key", .string(idempotencyKey)),
        ]
        if let code { members.append(.init("code", .string(code.rawValue))) }
        return .object(members + JSON.object([
            "preconditions": .array(preconditions.map { p in
                var m: [JSON.Member] = [.init("check", .string(p.check)), .init("ok", .bool(p.ok))]
                if let d = p.details { m.append(.init("details", .string(d))) }
                return .object(m)
            }),
            "plan": .object(["kind": .string(planKind), "preview": .array(preview.map(JSON.string))]),
            "effects": .object(["summary": .string(summary), "per_target": .array(perTarget.map { e in
                var m: [JSON.Member] = [.init("id", .string(e.id)), .init("from", .string(e.from)), .init("to", .string(e.to))]
                if let note = e.note { m.append(.init("note", .string(note))) }
                return .object(m)
            })]),
            "reason": reason.map(JSON.string) ?? .null,
        ]).objectMembers!)
    }
}

/// What happened to one target when an action ran.
public struct TargetOutcome: Sendable, Hashable {
    /// The target.
    public var targetID: String
    /// `info` for success, `error` for failure.
    public var severity: Severity
    /// `succeeded`, `failed`, ...
    public var outcome: String
    /// Details (an error text, a task id).
    public var detail: String?

    /// Creates an outcome.
    public init(targetID: String, severity: Severity, outcome: String, detail: String? = nil) {
        self.targetID = targetID
        self.severity = severity
        self.outcome = outcome
        self.detail = detail
    }
}

/// A driver: discovery, dry-run and execution for one kind of host (SPEC section 7).
/// Implementations must be safe to call from several tasks; the engine calls one host at a
/// time (single flight) but different hosts at once.
public protocol Driver: Sendable {
    /// The driver kind it implements.
    var kind: DriverKind { get }
    /// Its capabilities (the manifest).
    var capabilities: [Capability] { get }
    /// What the host has: a fast refresh for preflight (`full: false`) or full discovery.
    nonisolated(nonsending) func refresh(_ host: HostDeclaration, full: Bool) async -> HostInventory
    /// What the action would do to the targets; changes nothing.
    nonisolated(nonsending) func dryRun(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget], inventory: HostInventory) async -> DryRunResult
    /// Runs the action on the targets, one after the other.
    func execute(_ host: HostDeclaration, action: PlannedAction, targets: [InventoryTarget]) async -> [TargetOutcome]
}

extension Driver {
    public var capabilities: [Capability] { CapabilityCatalog.builtIn.capabilities(of: kind) }
}

/// Finds the driver for a host.
public protocol DriverRegistry: Sendable {
    /// The driver of `host`, nil when there is none (not built, or not configured).
    func driver(for host: HostDeclaration) -> (any Driver)?
}
