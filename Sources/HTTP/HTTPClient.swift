import CHTTP
import Synchronization
import SystemCalls

/// How a client checks the server's certificate.
public enum TLSVerification: Sendable, Hashable {
    /// The system's certificate authorities, and the host name.
    case system
    /// The authorities of a PEM file, and the host name.
    case authorities(file: String)
    /// The server's certificate must have this SHA-256 (32 bytes), whoever signed it.
    case pinned(sha256: [UInt8])
    /// No verification at all (an explicit opt-out; drivers warn about it).
    case insecure
}

/// An HTTP request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines, in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The whole exchange must end within this time.
    public var timeoutSeconds: Double

    /// Creates a request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeoutSeconds: Double = 10) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}

/// An HTTP response.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The reason phrase of the status line (Proxmox puts its error messages there).
    public var reason: String
    /// Header fields, names in lower case (the last one wins).
    public var headers: [String: String]
    public var body: [UInt8]

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request got no response.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The server could not be reached (refused, unreachable, name not found).
        case unreachable
        /// No answer in time.
        case timeout
        /// TLS failed: the certificate did not verify.
        case tls
        /// The certificate's fingerprint is not the pinned one.
        case pinMismatch
        /// The destination check refused every address of the host (or its name): nothing
        /// was connected, nothing sent. The message says which host, which address and why.
        case refused
        /// Anything else.
        case other
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    /// An error of `kind` that says `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// A small HTTP/1.1 client over libcurl, with TLS verified by default. Each request runs on
/// a thread of its own (libcurl blocks), never on the cooperative pool. Connections stay
/// open between requests to one origin verified one way under one destination check (see
/// `ConnectionPools`). Every connection it opens is first allowed by its `DestinationCheck`.
public struct HTTPClient: Sendable {
    public let verification: TLSVerification
    /// Where it may connect.
    public let destinations: DestinationCheck

    /// A client that verifies servers as `verification` says and connects only where
    /// `destinations` allows.
    public init(verification: TLSVerification = .system, destinations: DestinationCheck) {
        self.verification = verification
        self.destinations = destinations
    }

    /// Sends a request; throws when there is no response (a response with an error status
    /// is returned, not thrown).
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let verification = self.verification
        let destinations = self.destinations
        let pool = ConnectionPools.shared.pool(origin: Self.origin(of: request.url), verification: verification, destinations: destinations.key)
        return try await runBlocking { Self.perform(request, verification: verification, destinations: destinations, pool: pool) }.get()
    }

    /// Resolves the host of `url` and asks the destination check about its name and every
    /// address it resolves to, without connecting (a dry-run's question: would a request
    /// go there?). Throws `.refused` when the name or any address is refused, `.unreachable`
    /// when the name does not resolve.
    public func checkDestination(of url: String) async throws(HTTPError) {
        let destinations = self.destinations
        try await runBlocking { Self.check(url, destinations) }.get()
    }

    static func check(_ url: String, _ destinations: DestinationCheck) -> Result<Void, HTTPError> {
        var hostBuffer = [CChar](repeating: 0, count: 256)
        guard policyops_http_url_host(url, &hostBuffer, hostBuffer.count) == 0 else {
            return .failure(HTTPError(kind: .other, message: "the URL has no host libcurl can read"))
        }
        let host = String(decoding: hostBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let why = destinations.refusal(host, nil) { return .failure(HTTPError(kind: .refused, message: why)) }
        let max = 32
        var addresses = [UInt8](repeating: 0, count: 16 * max)
        var error = [CChar](repeating: 0, count: 256)
        let count = policyops_http_resolve(host, &addresses, Int32(max), &error, error.count)
        guard count >= 0 else {
            let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(HTTPError(kind: .unreachable, message: "cannot resolve \(host): \(text)"))
        }
        guard count > 0 else { return .failure(HTTPError(kind: .unreachable, message: "\(host) resolves to no IPv4 or IPv6 address")) }
        for i in 0..<Int(count) {
            if let why = destinations.refusal(host, Array(addresses[(16 * i)..<(16 * i + 16)])) {
                return .failure(HTTPError(kind: .refused, message: why))
            }
        }
        return .success(())
    }

    /// `https://host:port` of a URL (everything before its path).
    static func origin(of url: String) -> String {
        let bytes = Array(url.utf8)
        guard let colon = bytes.indices.first(where: { bytes[$0...].starts(with: Array("://".utf8)) }) else { return url }
        let end = bytes[(colon + 3)...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The box the C check reaches the Swift closure through.
    final class CheckBox {
        let check: DestinationCheck
        init(_ check: DestinationCheck) { self.check = check }
    }

    /// libcurl's question to the destination check, in C: allowed, or refused and why.
    static let trampoline: policyops_http_address_check = { context, host, address, why, size in
        let box = Unmanaged<CheckBox>.fromOpaque(context!).takeUnretainedValue()
        let name = host.map { String(cString: $0) } ?? ""
        let bytes = address.map { Array(UnsafeBufferPointer(start: $0, count: 16)) }
        guard let refusal = box.check.refusal(name, bytes) else { return 1 }
        if let why, size > 0 {
            let utf8 = Array(refusal.utf8.prefix(size - 1))
            for (i, b) in utf8.enumerated() { why[i] = CChar(bitPattern: b) }
            why[utf8.count] = 0
        }
        return 0
    }

    static func perform(_ request: HTTPRequest, verification: TLSVerification, destinations: DestinationCheck,
                        pool: ConnectionPools.Pool? = nil) -> Result<HTTPResponse, HTTPError> {
        let box = CheckBox(destinations)
        let lines = request.headers.map { "\($0.name): \($0.value)" }
        let cLines = CStringArray(lines, nullTerminated: false)
        var response = policyops_http_response()
        var pin = [UInt8](repeating: 0, count: 32)
        var caFile: String?
        var mode = Int32(POLICYOPS_TLS_SYSTEM.rawValue)
        switch verification {
        case .system: break
        case .authorities(let file):
            mode = Int32(POLICYOPS_TLS_CA_FILE.rawValue)
            caFile = file
        case .pinned(let sha256):
            mode = Int32(POLICYOPS_TLS_PINNED.rawValue)
            pin = Array(sha256.prefix(32)) + Array(repeating: 0, count: max(0, 32 - sha256.count))
        case .insecure:
            mode = Int32(POLICYOPS_TLS_INSECURE.rawValue)
        }
        let code: Int32 = request.method.withCString { method in
            request.url.withCString { url in
                (caFile ?? "").withCString { ca in
                    request.body.withUnsafeBufferPointer { body in
                        pin.withUnsafeBufferPointer { pinBytes in
                            cLines.withUnsafeMutableBufferPointer { headerLines in
                                var r = policyops_http_request()
                                r.method = method
                                r.url = url
                                headerLines.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: headerLines.count) {
                                    r.headers = UnsafePointer($0)
                                }
                                r.header_count = Int32(headerLines.count)
                                r.body = body.baseAddress
                                r.body_length = body.count
                                r.timeout_ms = Int(request.timeoutSeconds * 1000)
                                r.connect_timeout_ms = Int(min(request.timeoutSeconds, 5) * 1000)
                                r.tls_mode = mode
                                r.ca_file = caFile == nil ? nil : ca
                                r.pin_sha256 = pinBytes.baseAddress
                                r.pool = pool?.pointer
                                r.check = Self.trampoline
                                r.check_context = Unmanaged.passUnretained(box).toOpaque()
                                return withExtendedLifetime(box) { policyops_http_perform(&r, &response) }
                            }
                        }
                    }
                }
            }
        }
        defer { policyops_http_response_free(&response) }
        if code != 0 {
            let text = withUnsafeBytes(of: response.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if response.refused != 0, response.allowed == 0 {
                let why = withUnsafeBytes(of: response.refusal) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return .failure(HTTPError(kind: .refused, message: why))
            }
            if response.pin_mismatch != 0 {
                let seen = withUnsafeBytes(of: response.seen_sha256) { Array($0) }
                return .failure(HTTPError(kind: .pinMismatch, message: "the server's certificate has SHA-256 \(Self.colonHex(seen)), not the pinned fingerprint"))
            }
            return .failure(HTTPError(kind: Self.kind(ofCurlCode: code), message: text))
        }
        let body = response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.body_length)) } ?? []
        let block = response.headers.map { String(decoding: UnsafeBufferPointer(start: $0, count: response.headers_length), as: UTF8.self) } ?? ""
        var reason = ""
        var headers: [String: String] = [:]
        for (i, line) in block.split(separator: "\r\n", omittingEmptySubsequences: true).enumerated() {
            if i == 0 {
                // "HTTP/1.1 500 can't lock file ..."
                let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                reason = parts.count > 2 ? String(parts[2]) : ""
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters
        }
        return .success(HTTPResponse(status: Int(response.status), reason: reason, headers: headers, body: body))
    }

    static func kind(ofCurlCode code: Int32) -> HTTPError.Kind {
        switch code {
        case 6, 7: return .unreachable           // could not resolve host, could not connect
        case 28: return .timeout                  // operation timed out
        case 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91: return .tls
        default: return .other
        }
    }

    /// `AB:CD:...`.
    public static func colonHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined(separator: ":")
    }
}

extension Substring {
    var trimmingCharacters: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// The connection pools of the process: one per origin, way of verifying it and destination
/// check, made on first use and kept (a handful: one per declared host). A connection is
/// verified and its address checked when it is made, so a request verified another way,
/// pinned to another certificate, or made under another allow-list, never rides on it.
public final class ConnectionPools: Sendable {
    /// One libcurl share of open connections.
    public final class Pool: @unchecked Sendable {
        let pointer: OpaquePointer?
        init() { pointer = policyops_http_pool_create() }
    }

    struct Key: Hashable {
        var origin: String
        var verification: TLSVerification
        var destinations: String
    }

    let pools = Mutex<[Key: Pool]>([:])

    /// The process's pools.
    public static let shared = ConnectionPools()

    /// The pool of an origin verified one way under the destination check of key `destinations`.
    func pool(origin: String, verification: TLSVerification, destinations: String) -> Pool {
        pools.withLock { pools in
            let key = Key(origin: origin, verification: verification, destinations: destinations)
            if let pool = pools[key] { return pool }
            let pool = Pool()
            pools[key] = pool
            return pool
        }
    }
}
