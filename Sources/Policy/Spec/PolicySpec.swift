/// The hosts and targets a policy acts on.
public struct TargetSelection: Sendable, Hashable {
    /// The declared host's id (lower case).
    public var hostID: String
    /// The type of target.
    public var targetType: TargetType
    /// The validated selector.
    public var selector: TargetSelector
}

/// One action: a capability's verb with parameters.
public struct PolicyAction: Sendable, Hashable {
    /// The capability, such as `proxmox.vm`.
    public var capabilityID: String
    /// The verb, such as `shutdown`.
    public var verb: String
    /// The parameters with every default filled in.
    public var params: JSON
    /// An extra component of the idempotency key, or nil.
    public var keyHint: String?
}

/// A validated Policy Spec v1 with every default filled in (SPEC section 3).
public struct PolicySpec: Sendable, Hashable {
    /// The name, as written.
    public var name: String
    /// False keeps the policy compiled but inactive.
    public var enabled: Bool
    /// Lower runs first.
    public var priority: Int64
    /// No further policies for an event once this one scheduled an action.
    public var stopOnMatch: Bool
    /// Re-resolve the selector against the inventory at each execution.
    public var dynamicResolution: Bool
    /// When the policy fires.
    public var triggerGroup: TriggerGroup
    /// What must also hold, a flat AND in canonical order.
    public var conditions: [Condition]
    /// What it acts on.
    public var targets: TargetSelection
    /// What it does, in order.
    public var actions: [PolicyAction]
    /// No second match within this window.
    public var suppressionWindow: PolicyDuration
    /// The same action on the same target runs once within this window.
    public var idempotencyWindow: PolicyDuration
    /// Free text, if any.
    public var notes: String?
}
