/// The built-in capability catalog of SPEC section 7. Capability ids are part of the contract.
public struct CapabilityCatalog: Sendable {
    /// Every capability, in catalog order.
    public let capabilities: [Capability]

    private let byID: [String: Capability]
    private let byDriver: [DriverKind: [Capability]]

    /// Creates a catalog.
    public init(capabilities: [Capability]) {
        self.capabilities = capabilities
        byID = Dictionary(capabilities.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        byDriver = Dictionary(grouping: capabilities, by: \.driver)
    }

    /// The capability with id `id`.
    public func capability(_ id: String) -> Capability? { byID[id] }

    /// The capabilities a driver provides.
    public func capabilities(of driver: DriverKind) -> [Capability] { byDriver[driver] ?? [] }

    /// The catalog every build of PolicyOps carries.
    public static let builtIn: CapabilityCatalog = {
        let confirm = ParameterSpec("confirm", .bool, default: .bool(false),
                                    summary: "acknowledges that the action interrupts service")
        let graceS = ParameterSpec("grace_s", .integer(0...3600), default: .integer(60),
                                   summary: "seconds the guest gets to shut down cleanly")
        let force = ParameterSpec("force", .bool, default: .bool(false),
                                  summary: "stop the guest when the grace period ends")
        func guestVerbs(_ names: [(String, String?, Bool)]) -> [Capability.Verb] {
            names.map { name, inverse, disruptive in
                Capability.Verb(name: name, inverse: inverse,
                                parameters: name == "shutdown" ? [graceS, force, confirm] : [confirm],
                                disruptive: disruptive)
            }
        }
        let vmVerbs: [(String, String?, Bool)] = [
            ("start", "shutdown", false), ("shutdown", "start", true), ("stop", "start", true),
            ("reboot", nil, true), ("reset", nil, true), ("suspend", "resume", true), ("resume", "suspend", false),
        ]
        let ctVerbs: [(String, String?, Bool)] = [
            ("start", "shutdown", false), ("shutdown", "start", true), ("stop", "start", true), ("reboot", nil, true),
        ]
        let simVMVerbs: [(String, String?, Bool)] = [
            ("start", "shutdown", false), ("shutdown", "start", true), ("stop", "start", true), ("reset", nil, true),
        ]
        let poeSet = Capability.Verb(
            name: "set", inverse: "set",
            parameters: [ParameterSpec("state", .oneOf(["on", "off", "cycle"]), required: true,
                                       summary: "power the port on, off, or off and on again"), confirm],
            disruptive: true)
        return CapabilityCatalog(capabilities: [
            Capability(id: "proxmox.vm", driver: .proxmox, targetTypes: [.vm], verbs: guestVerbs(vmVerbs),
                       idempotencyKeyFields: ["verb"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "proxmox.ct", driver: .proxmox, targetTypes: [.ct], verbs: guestVerbs(ctVerbs),
                       idempotencyKeyFields: ["verb"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "aoss.poe.port", driver: .aoss, targetTypes: [.poePort], verbs: [poeSet],
                       idempotencyKeyFields: ["verb", "params.state"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "sim.vm", driver: .sim, targetTypes: [.vm], verbs: guestVerbs(simVMVerbs),
                       idempotencyKeyFields: ["verb"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "sim.poe.port", driver: .sim, targetTypes: [.poePort], verbs: [poeSet],
                       idempotencyKeyFields: ["verb", "params.state"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "webhook.request", driver: .webhook, targetTypes: [.endpoint],
                       verbs: [Capability.Verb(name: "post", inverse: nil, parameters: [
                           ParameterSpec("path", .string(maxLength: 2048), default: .string(""),
                                         summary: "appended to the host's url"),
                           ParameterSpec("body", .object, default: .object([]), summary: "the JSON body sent"),
                       ], disruptive: false)],
                       idempotencyKeyFields: ["verb", "params.path", "params.body"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
            Capability(id: "exec.command", driver: .exec, targetTypes: [.host],
                       verbs: [Capability.Verb(name: "run", inverse: nil, parameters: [
                           ParameterSpec("argv", .nonEmptyStringArray, required: true,
                                         summary: "the program and its arguments; never run through a shell"),
                           ParameterSpec("timeout_s", .integer(1...3600), default: .integer(30),
                                         summary: "seconds before the command is killed"),
                       ], disruptive: false)],
                       idempotencyKeyFields: ["verb", "params.argv"], dryRunRequired: true, dryRunRefreshSLASeconds: 5),
        ])
    }()
}
