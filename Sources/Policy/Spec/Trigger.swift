/// The kinds of trigger a policy can have; the engine shortlists policies by kind.
public enum TriggerKind: String, Sendable, Hashable, CaseIterable {
    case upsState = "ups.state"
    case metricThreshold = "metric.threshold"
    case timerAt = "timer.at"
    case timerAfter = "timer.after"
    case webhookCustom = "webhook.custom"
}

/// The states a UPS can be in, as `ups.state` triggers name them.
public enum UPSState: String, Sendable, Hashable, CaseIterable {
    case onMains = "on_mains"
    case onBattery = "on_battery"
    case lowBattery = "low_battery"
    case commLost = "comm_lost"

    /// Words for people.
    public var spoken: String {
        switch self {
        case .onMains: return "on mains power"
        case .onBattery: return "on battery"
        case .lowBattery: return "on low battery"
        case .commLost: return "unreachable"
        }
    }
}

/// A metric compared against a threshold, optionally held for a while before it fires.
public struct MetricThreshold: Sendable, Hashable {
    /// The reading.
    public var metric: Metric
    /// The comparison.
    public var op: ComparisonOperator
    /// The threshold.
    public var value: Double
    /// How long the comparison must hold before the trigger fires (0 s: at once).
    public var holdFor: PolicyDuration

    /// Creates a threshold.
    public init(metric: Metric, op: ComparisonOperator, value: Double, holdFor: PolicyDuration) {
        self.metric = metric
        self.op = op
        self.value = value
        self.holdFor = holdFor
    }
}

/// The event a `timer.after` counts from: a UPS state or a named external event.
public enum EventReference: Sendable, Hashable {
    case upsState(UPSState)
    case webhook(String)
}

/// One trigger of a trigger group.
public enum Trigger: Sendable, Hashable {
    case upsState(UPSState)
    case metricThreshold(MetricThreshold)
    case timerAt(Schedule)
    case timerAfter(after: PolicyDuration, since: EventReference)
    case webhookCustom(name: String)

    /// The trigger's kind.
    public var kind: TriggerKind {
        switch self {
        case .upsState: return .upsState
        case .metricThreshold: return .metricThreshold
        case .timerAt: return .timerAt
        case .timerAfter: return .timerAfter
        case .webhookCustom: return .webhookCustom
        }
    }
}

/// How a group's triggers combine.
public enum TriggerLogic: String, Sendable, Hashable, CaseIterable {
    /// Every trigger holds at the time of the event.
    case all = "ALL"
    /// The event fires at least one trigger.
    case any = "ANY"
}

/// A policy's triggers and how they combine.
public struct TriggerGroup: Sendable, Hashable {
    /// ALL or ANY.
    public var logic: TriggerLogic
    /// At least one trigger, in canonical order.
    public var triggers: [Trigger]
}
