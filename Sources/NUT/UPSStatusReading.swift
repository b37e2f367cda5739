import Policy

/// What one reading of a UPS says, in PolicyOps' words.
///
/// `ups.status` is a list of NUT tokens. The state: `low_battery` when on battery with the
/// battery low (`OB LB`) or when a forced shutdown is under way (`FSD`: the UPS or its
/// master has decided the load must go down now); `on_battery` with `OB`; `on_mains` with
/// `OL` (also `OL BYPASS`: the load runs from the mains around the inverter). `WAIT` (upsd
/// has no data yet), an empty status, or tokens without `OL`, `OB` or `FSD` (such as `OFF`
/// alone: the output is off and the input unknown) say nothing about the state. Every other
/// token (`CHRG`, `DISCHRG`, `RB`, `HB`, `CAL`, `OVER`, `TRIM`, `BOOST`, `ALARM`, `BYPASS`,
/// `OFF`, and tokens NUT may add) is kept in the event's `status` attribute and changes no state.
public struct UPSStatusReading: Sendable, Equatable {
    /// The `ups.status` tokens as read.
    public var tokens: [String]
    /// The state they mean, nil when they say nothing about it.
    public var state: UPSState?
    /// The metrics read: `battery.charge`, `battery.runtime`, `ups.load`, `input.voltage`.
    public var readings: [Metric: Double]

    /// The reading of `ups.status` and the metric variables.
    public init(variables: [String: String]) {
        tokens = (variables["ups.status"] ?? "").split(separator: " ").map(String.init)
        state = Self.state(of: tokens)
        var readings: [Metric: Double] = [:]
        for metric in [Metric.chargePercent, .runtimeSeconds, .load, .inputVoltage] {
            if let text = variables[metric.nutVariable], let value = Double(text), value.isFinite { readings[metric] = value }
        }
        self.readings = readings
    }

    static func state(of tokens: [String]) -> UPSState? {
        let set = Set(tokens)
        if set.contains("FSD") || (set.contains("OB") && set.contains("LB")) { return .lowBattery }
        if set.contains("OB") { return .onBattery }
        if set.contains("OL") { return .onMains }
        return nil
    }
}
