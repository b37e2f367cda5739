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
///
/// A value with copy-on-write storage: specs travel through analyses, caches, manifests and
/// the engine by the ten thousand, and a copy costs one reference count instead of one per
/// field.
public struct PolicySpec: Sendable, Hashable {
    final class Storage: @unchecked Sendable {
        var name: String
        var enabled: Bool
        var priority: Int64
        var stopOnMatch: Bool
        var dynamicResolution: Bool
        var triggerGroup: TriggerGroup
        var conditions: [Condition]
        var targets: TargetSelection
        var actions: [PolicyAction]
        var suppressionWindow: PolicyDuration
        var idempotencyWindow: PolicyDuration
        var notes: String?

        init(name: String, enabled: Bool, priority: Int64, stopOnMatch: Bool, dynamicResolution: Bool, triggerGroup: TriggerGroup, conditions: [Condition], targets: TargetSelection, actions: [PolicyAction], suppressionWindow: PolicyDuration, idempotencyWindow: PolicyDuration, notes: String?) {
            self.name = name
            self.enabled = enabled
            self.priority = priority
            self.stopOnMatch = stopOnMatch
            self.dynamicResolution = dynamicResolution
            self.triggerGroup = triggerGroup
            self.conditions = conditions
            self.targets = targets
            self.actions = actions
            self.suppressionWindow = suppressionWindow
            self.idempotencyWindow = idempotencyWindow
            self.notes = notes
        }

        func copy() -> Storage {
            Storage(name: name, enabled: enabled, priority: priority, stopOnMatch: stopOnMatch, dynamicResolution: dynamicResolution, triggerGroup: triggerGroup, conditions: conditions, targets: targets, actions: actions, suppressionWindow: suppressionWindow, idempotencyWindow: idempotencyWindow, notes: notes)
        }
    }

    private var storage: Storage

    init(name: String, enabled: Bool, priority: Int64, stopOnMatch: Bool, dynamicResolution: Bool, triggerGroup: TriggerGroup, conditions: [Condition], targets: TargetSelection, actions: [PolicyAction], suppressionWindow: PolicyDuration, idempotencyWindow: PolicyDuration, notes: String?) {
        storage = Storage(name: name, enabled: enabled, priority: priority, stopOnMatch: stopOnMatch, dynamicResolution: dynamicResolution, triggerGroup: triggerGroup, conditions: conditions, targets: targets, actions: actions, suppressionWindow: suppressionWindow, idempotencyWindow: idempotencyWindow, notes: notes)
    }

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The name, as written.
    public var name: String {
        get { storage.name }
        set { unique(); storage.name = newValue }
    }

    /// False keeps the policy compiled but inactive.
    public var enabled: Bool {
        get { storage.enabled }
        set { unique(); storage.enabled = newValue }
    }

    /// Lower runs first.
    public var priority: Int64 {
        get { storage.priority }
        set { unique(); storage.priority = newValue }
    }

    /// No further policies for an event once this one scheduled an action.
    public var stopOnMatch: Bool {
        get { storage.stopOnMatch }
        set { unique(); storage.stopOnMatch = newValue }
    }

    /// Re-resolve the selector against the inventory at each execution.
    public var dynamicResolution: Bool {
        get { storage.dynamicResolution }
        set { unique(); storage.dynamicResolution = newValue }
    }

    /// When the policy fires.
    public var triggerGroup: TriggerGroup {
        get { storage.triggerGroup }
        set { unique(); storage.triggerGroup = newValue }
    }

    /// What must also hold, a flat AND in canonical order.
    public var conditions: [Condition] {
        get { storage.conditions }
        set { unique(); storage.conditions = newValue }
    }

    /// What it acts on.
    public var targets: TargetSelection {
        get { storage.targets }
        set { unique(); storage.targets = newValue }
    }

    /// What it does, in order.
    public var actions: [PolicyAction] {
        get { storage.actions }
        set { unique(); storage.actions = newValue }
    }

    /// No second match within this window.
    public var suppressionWindow: PolicyDuration {
        get { storage.suppressionWindow }
        set { unique(); storage.suppressionWindow = newValue }
    }

    /// The same action on the same target runs once within this window.
    public var idempotencyWindow: PolicyDuration {
        get { storage.idempotencyWindow }
        set { unique(); storage.idempotencyWindow = newValue }
    }

    /// Free text, if any.
    public var notes: String? {
        get { storage.notes }
        set { unique(); storage.notes = newValue }
    }

    public static func == (a: PolicySpec, b: PolicySpec) -> Bool {
        if a.storage === b.storage { return true }
        return a.name == b.name && a.enabled == b.enabled && a.priority == b.priority && a.stopOnMatch == b.stopOnMatch && a.dynamicResolution == b.dynamicResolution && a.triggerGroup == b.triggerGroup && a.conditions == b.conditions && a.targets == b.targets && a.actions == b.actions && a.suppressionWindow == b.suppressionWindow && a.idempotencyWindow == b.idempotencyWindow && a.notes == b.notes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(enabled)
        hasher.combine(priority)
        hasher.combine(stopOnMatch)
        hasher.combine(dynamicResolution)
        hasher.combine(triggerGroup)
        hasher.combine(conditions)
        hasher.combine(targets)
        hasher.combine(actions)
        hasher.combine(suppressionWindow)
        hasher.combine(idempotencyWindow)
        hasher.combine(notes)
    }
}
