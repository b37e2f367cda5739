import Policy
import Store

/// Which clock a state directory's times come from, in `<state>/clock.json`: the real one,
/// or a drill's clock run faster with `reconcile --time-scale`. A drill's ledger runs ahead
/// of the real clock (an hour at 60 is a minute), so a real run on it would measure its
/// windows and timers from times that have not happened, and a drill would write such times
/// into a real run's ledger: the first run marks the directory, and a run on the other
/// clock is refused before the ledger is opened.
public struct ClockMarker: Sendable, Equatable {
    /// How many times faster than real time; nil for the real clock.
    public var timeScale: Double?

    /// The file, in the state directory.
    public static let fileName = "clock.json"

    /// Why a run is refused: the state directory belongs to the other clock.
    public struct RefusedError: Error, Sendable, CustomStringConvertible {
        /// What is wrong and what to do.
        public var message: String
        public var description: String { message }
    }

    /// The marker of a run with `timeScale` (nil or 1: real time).
    public init(timeScale: Double?) {
        self.timeScale = timeScale.flatMap { $0 == 1 ? nil : $0 }
    }

    var json: JSON {
        if let timeScale { return .object(["clock": .string("scaled"), "time_scale": .number(timeScale)]) }
        return .object(["clock": .string("real")])
    }

    /// The marker written in `stateDirectory`, nil when there is none (a fresh directory,
    /// or one written before directories were marked).
    public static func read(stateDirectory: String) throws -> ClockMarker? {
        guard let bytes = try AtomicFile.read(stateDirectory + "/" + fileName) else { return nil }
        guard let json = JSON.parse(bytes), let clock = json["clock"]?.stringValue, clock == "real" || clock == "scaled" else {
            throw RefusedError(message: "\(stateDirectory)/\(fileName) is not a clock marker ({\"clock\": \"real\"} or {\"clock\": \"scaled\", \"time_scale\": N}); "
                                    + "restore it, or remove it if this state directory was only ever used for real runs")
        }
        return ClockMarker(timeScale: clock == "real" ? nil : (json["time_scale"]?.doubleValue ?? 2))
    }

    /// Marks a directory that has no marker with this run's clock, and refuses a run on the
    /// other clock than the one marked. A drill at another speed is the same clock.
    public func claim(stateDirectory: String) throws {
        guard let marked = try Self.read(stateDirectory: stateDirectory) else {
            try AtomicFile.write(json.canonicalBytes, to: stateDirectory + "/" + Self.fileName)
            return
        }
        switch (marked.timeScale, timeScale) {
        case (.some(let scale), nil):
            throw RefusedError(message: "\(stateDirectory) was used by a drill with --time-scale \(ECMAScriptNumber.format(scale)): its times run ahead of the real clock, "
                                    + "and a real run would measure its windows and timers from them. Use a fresh state directory for the real run, "
                                    + "or run the drill again with --time-scale")
        case (nil, .some):
            throw RefusedError(message: "\(stateDirectory) is the state directory of a real run (no --time-scale): a drill would write times ahead of the real clock "
                                    + "into its ledger. Give the drill its own state directory (--state), or run without --time-scale")
        default:
            return
        }
    }
}
