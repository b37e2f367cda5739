#if canImport(Glibc)
import Glibc
#endif

/// TCP client sockets: names resolved (`getaddrinfo(3)`), connected within a timeout,
/// lines sent and received.
public enum Socket {
    /// One address a name resolved to, ready to connect to.
    public struct Address: Sendable {
        let family: Int32
        let type: Int32
        let protocolNumber: Int32
        let storage: [UInt8]
        /// The IP address's bytes: 4 for IPv4, 16 for IPv6; nil for another family.
        public let ipBytes: [UInt8]?
    }

    /// Why a name could not be resolved: `getaddrinfo`'s message.
    public struct ResolutionError: Error, Sendable, CustomStringConvertible {
        /// `getaddrinfo`'s code (an `EAI_*`).
        public var code: Int32
        /// `gai_strerror`'s text.
        public var description: String
    }

    /// The stream addresses `host` resolves to for `port`, in `getaddrinfo`'s order.
    public static func resolve(_ host: String, port: Int) throws(ResolutionError) -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw ResolutionError(code: rc, description: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(list) }
        var out: [Address] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            entry = a.pointee.ai_next
            guard let sa = a.pointee.ai_addr else { continue }
            let storage = Array(UnsafeRawBufferPointer(start: sa, count: Int(a.pointee.ai_addrlen)))
            out.append(Address(family: a.pointee.ai_family, type: a.pointee.ai_socktype, protocolNumber: a.pointee.ai_protocol,
                               storage: storage, ipBytes: ipBytes(sa)))
        }
        return out
    }

    private static func ipBytes(_ sockaddr: UnsafeMutablePointer<sockaddr>) -> [UInt8]? {
        switch Int32(sockaddr.pointee.sa_family) {
        case AF_INET:
            return sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) } }
        case AF_INET6:
            return sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) } }
        default:
            return nil
        }
    }

    /// Why a connection could not be made.
    public enum ConnectError: Error, Sendable, CustomStringConvertible {
        /// No socket, or the connection failed (`socket`, `connect` or `SO_ERROR`).
        case failed(Errno)
        /// No answer within the timeout.
        case timedOut
        /// "timed out", or the C library's text for the error.
        public var description: String {
            switch self {
            case .failed(let e): return e.text
            case .timedOut: return "timed out"
            }
        }
    }

    /// A non-blocking, close-on-exec stream socket connected to `address` within `milliseconds`.
    public static func connect(to address: Address, milliseconds: Int32) throws(ConnectError) -> FileDescriptor {
        let s = socket(address.family, address.type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), address.protocolNumber)
        guard s >= 0 else { throw .failed(Errno.current("socket")) }
        let fd = FileDescriptor(rawValue: s)
        let rc = address.storage.withUnsafeBytes { raw in
            Glibc.connect(s, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rc != 0 && errno != EINPROGRESS {
            let error = Errno.current("connect")
            fd.close()
            throw .failed(error)
        }
        guard fd.wait(for: .writable, milliseconds: milliseconds) else {
            fd.close()
            throw .timedOut
        }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
        if err != 0 {
            fd.close()
            throw .failed(Errno(err, call: "connect"))
        }
        return fd
    }
}

extension FileDescriptor {
    /// Sends every byte on a socket without raising SIGPIPE (`MSG_NOSIGNAL`), waiting up to
    /// a second each time a non-blocking socket is full.
    public func send(_ bytes: [UInt8]) throws(Errno) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(rawValue, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    _ = wait(for: .writable, milliseconds: 1000)
                    continue
                }
                throw Errno.current("send")
            }
            sent += n
        }
    }

    /// Receives at most `count` bytes from a socket: nil when nothing is there yet (`EAGAIN`,
    /// `EINTR`), empty when the peer closed the connection.
    public func receive(upTo count: Int) throws(Errno) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: count)
        let n = recv(rawValue, &chunk, chunk.count, 0)
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return nil }
            throw Errno.current("recv")
        }
        return Array(chunk[0..<n])
    }
}
