import Engine
import Foundation
import Policy
import Secrets
import Synchronization

/// Watches the UPSes declared in the repository through their upsd servers and turns what
/// it reads into events: `ups.state` when the state changes (with the readings), `metric`
/// when only readings change. One thread per UPS polls at the UPS's `poll` interval; a lost
/// connection is opened again with backoff (1 s, doubling to 30 s); `ERR DATA-STALE`,
/// `ERR DRIVER-NOT-CONNECTED` and `WAIT` are no data. A UPS that gives no data for
/// `deadTime` while on battery becomes `comm_lost` (as NUT's upsmon treats it as critical
/// after its DEADTIME); when data comes back its state is reported again. The first state
/// read of a UPS is marked `baseline` (see `Event.isBaseline`). A server is connected only at
/// an address the operator's network allow-list for UPS servers allows (loopback by default,
/// never link-local or metadata unless named); a refusal is the UPS's problem, retried with
/// the same backoff as a lost connection.
public final class UPSMonitor: Sendable {
    /// What a monitor tells its owner.
    public struct Report: Sendable {
        public var ups: String
        public var message: String
        public var isProblem: Bool
    }

    let secrets: Secrets
    /// Where upsd servers may be: the operator's allow-list, loopback added.
    let allowList: NetworkAllowList
    let clock: any EngineClock
    let deadTime: Double
    let emit: @Sendable (Event) -> Void
    let report: @Sendable (Report) -> Void
    private let watchers = Mutex<[String: Watcher]>([:])

    /// A monitor that hands events to `emit` and says what goes wrong to `report`, and
    /// connects where `network` (by default the network section of `secrets`'s
    /// configuration) allows UPS servers to be.
    public init(secrets: Secrets, network: NetworkAllowList? = nil, clock: any EngineClock, deadTimeSeconds: Double = 15,
                emit: @escaping @Sendable (Event) -> Void, report: @escaping @Sendable (Report) -> Void = { _ in }) {
        self.secrets = secrets
        allowList = (network ?? secrets.configuration.network).forUPSServers
        self.clock = clock
        deadTime = deadTimeSeconds
        self.emit = emit
        self.report = report
    }

    /// Watches exactly these UPSes from now on (declarations that changed start afresh).
    public func watch(_ declarations: [UPSDeclaration]) {
        watchers.withLock { current in
            let wanted = Dictionary(declarations.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for (id, w) in current where wanted[id] != w.declaration {
                w.stop()
                current[id] = nil
            }
            for (id, d) in wanted where current[id] == nil {
                let w = Watcher(declaration: d, monitor: self)
                current[id] = w
                w.start()
            }
        }
    }

    /// Stops every watcher.
    public func stop() { watch([]) }

    /// One UPS's polling thread.
    final class Watcher: @unchecked Sendable {
        let declaration: UPSDeclaration
        unowned let monitor: UPSMonitor
        private let stopped = Mutex(false)
        private let wake = WakeSignal()
        private var thread: Thread?
        // State of the thread only.
        private var reported: UPSState?
        private var lastReadings: [Metric: Double] = [:]
        private var lastData = monotonicMilliseconds()
        private var commLost = false
        private var backoff = 1.0
        private var sequence = 0
        private var lastProblem: String?

        init(declaration: UPSDeclaration, monitor: UPSMonitor) {
            self.declaration = declaration
            self.monitor = monitor
        }

        func start() {
            let t = Thread { [self] in run() }
            t.name = "nut-" + declaration.id
            thread = t
            t.start()
        }

        func stop() {
            stopped.withLock { $0 = true }
            wake.signal()
        }

        var isStopped: Bool { stopped.withLock { $0 } }

        /// Sleeps `seconds` (on the monotonic clock) unless stopped first.
        func pause(_ seconds: Double) {
            if !isStopped { wake.pause(seconds) }
        }

        func run() {
            let d = declaration
            var password: Secret?
            var username: String?
            do {
                // upsd's protocol is lines: a value with a line break would send a second command.
                username = try d.username.map { v throws(SecretError) in
                    try Secrets.headerSafe(try monitor.secrets.resolve(v, for: .ups(d.id), field: "username"), field: "username")
                }
                password = try d.password.map { r throws(SecretError) in
                    Secret(try Secrets.headerSafe(try monitor.secrets.resolve(r, for: .ups(d.id), field: "password").reveal(), field: "password"))
                }
            } catch {
                problem("cannot log in to upsd for \(d.id): \(error.message)")
                return
            }
            let client = NUTClient(host: d.nutHost, port: d.nutPort, username: username, password: password, allowList: monitor.allowList)
            defer { client.disconnect() }
            let interval = Double(max(1, d.poll.seconds))
            while !isStopped {
                do {
                    let variables = try client.variables(of: d.nutName)
                    backoff = 1
                    let reading = UPSStatusReading(variables: variables)
                    if reading.state == nil {
                        noData("upsd has no status for \(d.nutName)@\(d.nutHost) yet (\(reading.tokens.joined(separator: " ")))")
                    } else {
                        observed(reading)
                    }
                    pause(interval)
                } catch {
                    noData("\(d.id) (\(d.nutName)@\(d.nutHost):\(d.nutPort)): \(error)")
                    switch error {
                    case .connection, .refused:
                        pause(backoff)
                        backoff = min(backoff * 2, 30)
                    default:
                        pause(interval)
                    }
                }
            }
        }

        func observed(_ reading: UPSStatusReading) {
            lastData = monotonicMilliseconds()
            if lastProblem != nil {
                monitor.report(Report(ups: declaration.id, message: "\(declaration.id) answers again: \(reading.tokens.joined(separator: " "))", isProblem: false))
                lastProblem = nil
            }
            guard let state = reading.state else { return }
            if state != reported || commLost {
                // The first reading since this watcher started is a baseline: the engine
                // makes it a change only when its saved state says the UPS was elsewhere.
                var attrs = ["state": state.rawValue]
                if reported == nil { attrs[Event.baselineAttribute] = "true" }
                reported = state
                commLost = false
                lastReadings = reading.readings
                send(.upsState, kind: state.rawValue, attrs: attrs, reading: reading)
            } else if reading.readings != lastReadings {
                lastReadings = reading.readings
                send(.metric, kind: reading.readings.keys.map(\.rawValue).sorted().joined(separator: ","), attrs: [:], reading: reading)
            }
        }

        func noData(_ why: String) {
            problem(why)
            let silent = Double(monotonicMilliseconds() - lastData) / 1000
            if !commLost, reported == .onBattery || reported == .lowBattery, silent >= monitor.deadTime {
                commLost = true
                send(.upsState, kind: UPSState.commLost.rawValue,
                     attrs: ["state": UPSState.commLost.rawValue, "reason": why, "silent_s": String(Int(silent))], reading: nil)
            }
        }

        func problem(_ message: String) {
            guard message != lastProblem else { return }
            lastProblem = message
            monitor.report(Report(ups: declaration.id, message: message, isProblem: true))
        }

        func send(_ type: EventType, kind: String, attrs: [String: String], reading: UPSStatusReading?) {
            var attrs = attrs
            if let reading {
                attrs["status"] = reading.tokens.joined(separator: " ")
                for (metric, value) in reading.readings { attrs[metric.rawValue] = ECMAScriptNumber.format(value) }
            }
            attrs["source"] = "nut"
            sequence += 1
            let now = monitor.clock.now()
            monitor.emit(Event(id: "nut-\(declaration.id)-\(now.milliseconds)-\(sequence)", type: type, kind: kind,
                               subject: Subject(kind: "ups", id: declaration.id), attrs: attrs, ts: now))
        }
    }
}
