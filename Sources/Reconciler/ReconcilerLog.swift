import Engine
import Policy

/// The reconciler's log: one line per happening, as text or as JSON (`--log-format json`),
/// written wherever the caller says (the CLI: standard error).
public struct ReconcilerLog: Sendable {
    /// `text` or `json`.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    let format: Format
    let clock: any EngineClock
    let write: @Sendable (String) -> Void

    /// A log in `format` written through `write`.
    public init(format: Format, clock: any EngineClock, write: @escaping @Sendable (String) -> Void) {
        self.format = format
        self.clock = clock
        self.write = write
    }

    /// Logs a line at `level` with structured fields.
    public func log(_ level: String, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        let ts = clock.now().iso8601
        switch format {
        case .json:
            var members: [JSON.Member] = [.init("ts", .string(ts)), .init("level", .string(level)), .init("msg", .string(message))]
            for (k, v) in fields { members.append(.init(k, .string(v))) }
            write(String(decoding: JSON.object(members).canonicalBytes, as: UTF8.self))
        case .text:
            var line = "\(ts) \(level) \(message)"
            for (k, v) in fields { line += " \(k)=\(v)" }
            write(line.terminalSafe)
        }
    }

    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log("info", message, fields) }
    public func warn(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log("warn", message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log("error", message, fields) }
}
