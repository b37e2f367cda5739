import Policy
import Secrets

/// What upsd answered instead of data.
public enum NUTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The driver has not updated the data in upsd's MAXAGE (`ERR DATA-STALE`).
    case stale
    /// upsd has no driver for the UPS (`ERR DRIVER-NOT-CONNECTED`).
    case driverNotConnected
    /// upsd does not know the UPS (`ERR UNKNOWN-UPS`).
    case unknownUPS
    /// Login refused (`ERR ACCESS-DENIED`, `ERR INVALID-PASSWORD`, ...).
    case accessDenied(String)
    /// The connection failed or was closed (upsd closes connections idle for 60 s).
    case connection(String)
    /// The operator's network allow-list refuses the server's address: nothing was connected.
    case refused(String)
    /// An answer that is not the protocol.
    case protocolError(String)

    public var description: String {
        switch self {
        case .stale: return "upsd says the UPS's data is stale (ERR DATA-STALE): its driver stopped updating"
        case .driverNotConnected: return "upsd has no driver for the UPS (ERR DRIVER-NOT-CONNECTED)"
        case .unknownUPS: return "upsd does not know the UPS (ERR UNKNOWN-UPS)"
        case .accessDenied(let e): return "upsd refused the login (\(e))"
        case .connection(let e): return e
        case .refused(let e): return e
        case .protocolError(let e): return "upsd answered something unexpected: \(e)"
        }
    }
}

/// A client of upsd, Network UPS Tools' server (line protocol over TCP, port 3493): it
/// reads every variable of a UPS in one `LIST VAR`. Blocking: one per polling thread.
final class NUTClient {
    let host: String
    let port: Int
    let username: String?
    let password: Secret?
    /// Where it may connect (the operator's allow-list for UPS servers).
    let allowList: NetworkAllowList
    let connection = LineConnection()
    /// Seconds a step may take.
    let timeout: Double

    init(host: String, port: Int, username: String?, password: Secret?, allowList: NetworkAllowList, timeout: Double = 5) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.allowList = allowList
        self.timeout = timeout
    }

    var isConnected: Bool { connection.isOpen }

    func disconnect() {
        if connection.isOpen { try? connection.send("LOGOUT") }
        connection.close()
    }

    func connect() throws(NUTError) {
        do {
            try connection.connect(host: host, port: port, timeout: timeout, allowList: allowList)
        } catch {
            throw error.refused ? NUTError.refused(error.description) : NUTError.connection(error.description)
        }
        if let username {
            try expectOK("USERNAME \(Self.quote(username))")
            if let password { try expectOK("PASSWORD \(Self.quote(password.reveal()))") }
        }
    }

    private func expectOK(_ command: String) throws(NUTError) {
        do {
            try connection.send(command)
            let answer = try connection.readLine(timeout: timeout)
            guard answer.hasPrefix("OK") else {
                connection.close()
                throw NUTError.accessDenied(answer)
            }
        } catch let error as NUTError {
            throw error
        } catch {
            throw NUTError.connection((error as? LineConnection.Failure)?.description ?? "\(error)")
        }
    }

    /// Every variable of `ups` (`LIST VAR`), values unquoted.
    func variables(of ups: String) throws(NUTError) -> [String: String] {
        if !connection.isOpen { try connect() }
        do {
            try connection.send("LIST VAR \(ups)")
            var out: [String: String] = [:]
            let first = try connection.readLine(timeout: timeout)
            if first.hasPrefix("ERR ") { throw Self.error(first) }
            guard first == "BEGIN LIST VAR \(ups)" else { throw NUTError.protocolError(first) }
            while true {
                let line = try connection.readLine(timeout: timeout)
                if line == "END LIST VAR \(ups)" { return out }
                if line.hasPrefix("ERR ") { throw Self.error(line) }
                // VAR <ups> <name> "<value>"
                let prefix = "VAR \(ups) "
                guard line.hasPrefix(prefix) else { throw NUTError.protocolError(line) }
                let rest = line.dropFirst(prefix.count)
                guard let space = rest.firstIndex(of: " ") else { throw NUTError.protocolError(line) }
                out[String(rest[..<space])] = Self.unquote(rest[rest.index(after: space)...])
            }
        } catch let error as NUTError {
            throw error
        } catch {
            throw NUTError.connection((error as? LineConnection.Failure)?.description ?? "\(error)")
        }
    }

    static func error(_ line: String) -> NUTError {
        switch line.dropFirst(4).split(separator: " ").first.map(String.init) ?? "" {
        case "DATA-STALE": return .stale
        case "DRIVER-NOT-CONNECTED": return .driverNotConnected
        case "UNKNOWN-UPS": return .unknownUPS
        case "ACCESS-DENIED", "INVALID-PASSWORD", "INVALID-USERNAME", "USERNAME-REQUIRED", "PASSWORD-REQUIRED": return .accessDenied(line)
        default: return .protocolError(line)
        }
    }

    /// `"value with \"quotes\""` → `value with "quotes"`.
    static func unquote(_ text: Substring) -> String {
        var s = text
        guard s.first == "\"", s.last == "\"", s.count >= 2 else { return String(s) }
        s = s.dropFirst().dropLast()
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
