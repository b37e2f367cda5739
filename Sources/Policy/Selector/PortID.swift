/// An ArubaOS-Switch port id: `24` (standalone), `A1` (modular chassis), `1/24` (stack member
/// and port), `1/A1` (member, module and port) or `Trk3` (a trunk).
public struct PortID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The stack member, when the id has one.
    public var member: Int?
    /// The module letter A–Z, when the id has one.
    public var module: UInt8?
    /// The port number (or the trunk number).
    public var number: Int
    /// True for trunk ids (`Trk3`).
    public var isTrunk: Bool

    /// The most ports one module of a modular AOS-S chassis carries; bounds the static
    /// expansion of ranges across modules (`1/A1-1/B4`).
    public static let portsPerModule = 24

    /// Creates a port id.
    public init(member: Int? = nil, module: UInt8? = nil, number: Int, isTrunk: Bool = false) {
        self.member = member
        self.module = module
        self.number = number
        self.isTrunk = isTrunk
    }

    /// What a port id looks like, for messages.
    public static let accepted = "port ids look like 24, A1, 1/24, 1/A1 or Trk3"

    /// Parses a port id; nil when the text is not one.
    public static func parse(_ text: Substring) -> PortID? {
        let b = Array(text.utf8)
        if b.count > 3, b[0] == UInt8(ascii: "T"), b[1] == UInt8(ascii: "r"), b[2] == UInt8(ascii: "k") {
            guard let n = number(b[3...], max: 999) else { return nil }
            return PortID(number: n, isTrunk: true)
        }
        var rest = b[...]
        var member: Int? = nil
        if let slash = b.firstIndex(of: UInt8(ascii: "/")) {
            guard let m = number(b[..<slash], max: 99) else { return nil }
            member = m
            rest = b[(slash + 1)...]
        }
        var module: UInt8? = nil
        if let first = rest.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") {
            module = first
            rest = rest.dropFirst()
        }
        guard let n = number(rest, max: 999) else { return nil }
        return PortID(member: member, module: module, number: n)
    }

    private static func number(_ digits: ArraySlice<UInt8>, max: Int) -> Int? {
        guard !digits.isEmpty, digits.count <= 4, digits.first != UInt8(ascii: "0") else { return nil }
        var n = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(d - UInt8(ascii: "0"))
        }
        return n <= max ? n : nil
    }

    /// The form a range's two ends must share: member (or none), module presence, trunk.
    var form: String {
        if isTrunk { return "trunk" }
        return (member.map { "member \($0) " } ?? "") + (module == nil ? "numbered" : "modular")
    }

    /// Ports on one module of one member compare by number; this key groups them.
    var lineKey: LineKey { LineKey(isTrunk: isTrunk, member: member ?? -1, module: module.map(Int.init) ?? -1) }

    struct LineKey: Hashable, Comparable {
        var isTrunk: Bool
        var member: Int
        var module: Int
        static func < (a: LineKey, b: LineKey) -> Bool {
            if a.isTrunk != b.isTrunk { return !a.isTrunk }
            if a.member != b.member { return a.member < b.member }
            return a.module < b.module
        }
    }

    public static func < (a: PortID, b: PortID) -> Bool {
        if a.lineKey != b.lineKey { return a.lineKey < b.lineKey }
        return a.number < b.number
    }

    public var description: String {
        if isTrunk { return "Trk\(number)" }
        return (member.map { "\($0)/" } ?? "") + (module.map { String(UnicodeScalar($0)) } ?? "") + String(number)
    }

    /// The same port on another number in the same line (member and module).
    func with(number: Int) -> PortID {
        var copy = self
        copy.number = number
        return copy
    }

    /// The same member, another module.
    func with(module: UInt8, number: Int) -> PortID {
        var copy = self
        copy.module = module
        copy.number = number
        return copy
    }
}
