import Policy
import SystemCalls

/// A TCP connection that speaks in lines (NUT's protocol), with a timeout on every step.
/// Blocking: use it from a thread of its own.
final class LineConnection {
    private var fd: FileDescriptor?
    private var pending: [UInt8] = []

    /// Why a step failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The allow-list refused the host (by name, or every address it has): nothing was connected.
        var refused = false
        /// The system call's error underneath, when one failed.
        var underlying: Errno?
    }

    deinit { close() }

    /// Connects to `host:port` within `timeout` seconds, to an address `allowList` allows
    /// (each address the name resolves to is checked before it is connected).
    func connect(host: String, port: Int, timeout: Double, allowList: NetworkAllowList) throws(Failure) {
        close()
        if let refusal = allowList.checkName(host) { throw Failure(description: refusal.description, refused: true) }
        let addresses: [Socket.Address]
        do { addresses = try Socket.resolve(host, port: port) } catch {
            throw Failure(description: "cannot resolve \(host): \(error.description)")
        }
        var lastError = "no address"
        var refusal: NetworkAllowList.Refusal?
        var allowed = 0
        for a in addresses {
            guard let address = Self.address(a.ipBytes) else { continue }
            if let refused = allowList.check(host: host, address: address) {
                refusal = refusal ?? refused
                continue
            }
            allowed += 1
            do {
                fd = try Socket.connect(to: a, milliseconds: Int32(timeout * 1000))
            } catch {
                lastError = error.description
                continue
            }
            pending = []
            return
        }
        if allowed == 0, let refusal { throw Failure(description: refusal.description, refused: true) }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    /// The address of an IPv4 or IPv6 socket address's bytes.
    static func address(_ bytes: [UInt8]?) -> NetworkAddress? {
        guard let bytes else { return nil }
        switch bytes.count {
        case 4: return NetworkAddress(ipv4: bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: return NetworkAddress(bytes: bytes)
        default: return nil
        }
    }

    var isOpen: Bool { fd != nil }

    func close() {
        fd?.close()
        fd = nil
        pending = []
    }

    /// Sends one line (a newline is added).
    func send(_ line: String) throws(Failure) {
        guard let fd else { throw Failure(description: "not connected") }
        do { try fd.send(Array((line + "\n").utf8)) } catch {
            close()
            throw Failure(description: "the connection failed: \(error.text)", underlying: error)
        }
    }

    /// Reads one line (without its newline) within `timeout` seconds.
    func readLine(timeout: Double) throws(Failure) -> String {
        guard let fd else { throw Failure(description: "not connected") }
        let deadline = Double(monotonicMilliseconds()) + timeout * 1000
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[..<newline]
                pending.removeSubrange(...newline)
                return String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
            }
            guard pending.count < 1 << 20 else {
                close()
                throw Failure(description: "the server sent a line longer than 1 MiB")
            }
            let left = deadline - Double(monotonicMilliseconds())
            guard left > 0, fd.wait(for: .readable, milliseconds: Int32(left)) else {
                close()
                throw Failure(description: "no answer within \(timeout) s")
            }
            let chunk: [UInt8]?
            do { chunk = try fd.receive(upTo: 4096) } catch {
                close()
                throw Failure(description: "the connection failed: \(error.text)", underlying: error)
            }
            guard let chunk else { continue }
            if chunk.isEmpty {
                close()
                throw Failure(description: "the server closed the connection")
            }
            pending += chunk
        }
    }
}

/// Milliseconds on the monotonic clock, for the monitor's timeouts.
func monotonicMilliseconds() -> Int64 { Clocks.monotonicMilliseconds() }
