import CCrypto

/// A SHA-256 digest: 32 bytes, printed as 64 lower-case hex digits.
public struct SHA256Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        self.bytes = out
    }

    /// The digest as 64 lower-case hex digits.
    public var hex: String { Hex.encode(bytes) }

    public static func == (a: SHA256Digest, b: SHA256Digest) -> Bool { a.bytes == b.bytes }

    /// The bytes hashed as one block (an array hashes byte by byte).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public var description: String { hex }

    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// SHA-256 through OpenSSL's libcrypto.
public enum SHA256 {
    /// Digests `raw` into the 32 bytes at `md` (libcrypto's SHA-256 on a stack context:
    /// `EVP_Digest` allocates a context and looks the algorithm up on every call).
    static func digest(_ raw: UnsafeRawBufferPointer, into md: UnsafeMutablePointer<UInt8>) {
        policyops_sha256(raw.baseAddress, raw.count, md)
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: some ContiguousBytes) -> SHA256Digest {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { digest(raw, into: $0.baseAddress!) }
        }
        return SHA256Digest(bytes: out)
    }

    /// The digest of the bytes at `raw` as 64 lower-case hex digits.
    public static func hex(raw: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { md in
            digest(raw, into: md.baseAddress!)
            return Hex.encode(UnsafeBufferPointer(md))
        }
    }

    /// The digest of `bytes` as 64 lower-case hex digits, without the digest in between.
    public static func hex(_ bytes: some ContiguousBytes) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { md in
            bytes.withUnsafeBytes { digest($0, into: md.baseAddress!) }
            return Hex.encode(UnsafeBufferPointer(md))
        }
    }

    /// The digest of a string's UTF-8 bytes.
    public static func hash(_ string: String) -> SHA256Digest {
        var copy = string
        return copy.withUTF8 { hash(UnsafeRawBufferPointerBox($0)) }
    }
}

/// HMAC-SHA256 through OpenSSL's libcrypto.
public enum HMACSHA256 {
    /// The authentication code of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    let result = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress, &size)
                    precondition(result != nil && size == 32, "HMAC(SHA-256) failed")
                }
            }
        }
        return out
    }
}

/// Hex encoding shared by digests and object ids.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for b in bytes {
                out[i] = digits[Int(b >> 4)]
                out[i + 1] = digits[Int(b & 0x0f)]
                i += 2
            }
            return i
        }
    }
}

/// Bytes that can be read through a raw buffer, without copying.
public protocol ContiguousBytes {
    /// Calls `body` with the bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension ContiguousArray: ContiguousBytes where Element == UInt8 {}

/// A borrowed UTF-8 buffer seen as bytes.
struct UnsafeRawBufferPointerBox: ContiguousBytes {
    let buffer: UnsafeBufferPointer<UInt8>
    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(buffer))
    }
}
