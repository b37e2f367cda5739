import Policy
import Store

/// The status publisher: writes `metrics.prom` and `inventory/<host>.json` into the state
/// directory when, and only when, their content changed since it last wrote them (never on
/// a clock). A write that fails is tried again at the next publish.
struct StatusPublisher {
    /// The state directory written into.
    let stateDirectory: String
    private var lastMetrics: String?
    private var lastInventories: [String: [UInt8]] = [:]

    init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    /// Writes `metrics.prom` if its text changed; true when it was written.
    @discardableResult
    mutating func publish(_ metrics: ReconcilerMetrics) -> Bool {
        let text = metrics.text
        guard text != lastMetrics else { return false }
        guard (try? AtomicFile.write(Array(text.utf8), to: stateDirectory + "/metrics.prom")) != nil else { return false }
        lastMetrics = text
        return true
    }

    /// Writes `inventory/<host>.json` if its content changed; true when it was written.
    @discardableResult
    mutating func publish(inventory json: JSON, host: String) -> Bool {
        let bytes = Array(json.pretty().utf8)
        guard lastInventories[host] != bytes else { return false }
        let folder = stateDirectory + "/inventory"
        try? AtomicFile.makeFolders(folder)
        guard (try? AtomicFile.write(bytes, to: "\(folder)/\(host).json")) != nil else { return false }
        lastInventories[host] = bytes
        return true
    }
}
