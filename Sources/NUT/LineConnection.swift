#if canImport(Glibc)
import Glibc
#endif
import Policy

/// A TCP connection that speaks in lines (NUT's protocol), with a timeout on every step.
/// Blocking: use it from a thread of its own.
final class LineConnection {
    private var fd: Int32 = -1
    private var pending: [UInt8] = []

    /// Why a step failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The allow-list refused the host (by name, or every address it has): nothing was connected.
        var refused = false
    }

    deinit { close() }

    /// Connects to `host:port` within `timeout` seconds, to an address `allowList` allows
    /// (each address the name resolves to is checked before it is connected).
    func connect(host: String, port: Int, timeout: Double, allowList: NetworkAllowList) throws(Failure) {
        close()
        if let refusal = allowList.checkName(host) { throw Failure(description: refusal.description, refused: true) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var refusal: NetworkAllowList.Refusal?
        var allowed = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            entry = a.pointee.ai_next
            guard let address = Self.address(a.pointee.ai_addr) else { continue }
            if let refused = allowList.check(host: host, address: address) {
                refusal = refusal ?? refused
                continue
            }
            allowed += 1
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), a.pointee.ai_protocol)
            guard s >= 0 else { continue }
            if Glibc.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                lastError = String(cString: strerror(errno))
                Glibc.close(s)
                continue
            }
            var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, Int32(timeout * 1000)) != 1 {
                lastError = "timed out"
                Glibc.close(s)
                continue
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 {
                lastError = String(cString: strerror(err))
                Glibc.close(s)
                continue
            }
            fd = s
            pending = []
            return
        }
        if allowed == 0, let refusal { throw Failure(description: refusal.description, refused: true) }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    /// The address of an IPv4 or IPv6 socket address.
    static func address(_ sockaddr: UnsafeMutablePointer<sockaddr>?) -> NetworkAddress? {
        guard let sockaddr else { return nil }
        switch Int32(sockaddr.pointee.sa_family) {
        case AF_INET:
            return sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin_addr) { NetworkAddress(ipv4: $0[0], $0[1], $0[2], $0[3]) }
            }
        case AF_INET6:
            return sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin6_addr) { NetworkAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }

    var isOpen: Bool { fd >= 0 }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        pending = []
    }

    /// Sends one line (a newline is added).
    func send(_ line: String) throws(Failure) {
        guard fd >= 0 else { throw Failure(description: "not connected") }
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                let text = String(cString: strerror(errno))
                close()
                throw Failure(description: "the connection failed: \(text)")
            }
            sent += n
        }
    }

    /// Reads one line (without its newline) within `timeout` seconds.
    func readLine(timeout: Double) throws(Failure) -> String {
        guard fd >= 0 else { throw Failure(description: "not connected") }
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
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&p, 1, Int32(left)) == 1 else {
                close()
                throw Failure(description: "no answer within \(timeout) s")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 {
                close()
                throw Failure(description: "the server closed the connection")
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                let text = String(cString: strerror(errno))
                close()
                throw Failure(description: "the connection failed: \(text)")
            }
            pending += chunk[0..<n]
        }
    }
}

func monotonicMilliseconds() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
}
