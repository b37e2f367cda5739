/// A UPS reading that triggers and conditions compare, by short name or NUT variable.
public enum Metric: String, Sendable, Hashable, CaseIterable {
    case load
    case chargePercent = "charge_pct"
    case runtimeSeconds = "runtime_s"
    case runtimeMinutes = "runtime_minutes"
    case inputVoltage = "input_voltage"

    /// The NUT variable the reading comes from.
    public var nutVariable: String {
        switch self {
        case .load: return "ups.load"
        case .chargePercent: return "battery.charge"
        case .runtimeSeconds, .runtimeMinutes: return "battery.runtime"
        case .inputVoltage: return "input.voltage"
        }
    }

    /// Looks a metric up by short name or by NUT variable (`runtime_minutes` has none of
    /// its own: it is `battery.runtime` divided by 60).
    public init?(name: String) {
        if let m = Metric(rawValue: name) {
            self = m
            return
        }
        switch name {
        case "ups.load": self = .load
        case "battery.charge": self = .chargePercent
        case "battery.runtime": self = .runtimeSeconds
        case "input.voltage": self = .inputVoltage
        default: return nil
        }
    }

    /// Every name accepted, for messages.
    public static let acceptedNames = ["load", "ups.load", "charge_pct", "battery.charge", "runtime_s",
                                       "battery.runtime", "runtime_minutes", "input_voltage", "input.voltage"]

    /// Words and unit for people.
    public var spoken: (name: String, unit: String) {
        switch self {
        case .load: return ("load", " %")
        case .chargePercent: return ("battery charge", " %")
        case .runtimeSeconds: return ("battery runtime", " s")
        case .runtimeMinutes: return ("battery runtime", " min")
        case .inputVoltage: return ("input voltage", " V")
        }
    }
}
