/// How a selector names its targets.
public enum SelectorMode: String, Sendable, Hashable, CaseIterable {
    /// Comma-separated ids and ranges.
    case list
    /// The same grammar as `list` (kept for the original API; normalized to `list`).
    case range
    /// The query language, resolved against the host's inventory.
    case query
}

/// A cross-module port range (`1/A1-1/B4`): its members are known only from the switch's
/// inventory, in the inventory's port order.
public struct PortRange: Sendable, Hashable {
    /// The first port.
    public var from: PortID
    /// The last port.
    public var to: PortID

    /// True when `port` lies within the range on the same member, by module then number.
    public func contains(_ port: PortID) -> Bool {
        guard !port.isTrunk, port.member == from.member, let m = port.module,
              let fm = from.module, let tm = to.module, m >= fm, m <= tm else { return false }
        if m == fm && port.number < from.number { return false }
        if m == tm && port.number > to.number { return false }
        return true
    }

    /// The most ports the range can hold.
    var upperBound: Int {
        guard let fm = from.module, let tm = to.module else { return 0 }
        if fm == tm { return to.number - from.number + 1 }
        return (PortID.portsPerModule - from.number + 1) + Int(tm - fm - 1) * PortID.portsPerModule + to.number
    }

    var canonical: String { "\(from)-\(to)" }
}

/// A validated selector: its canonical text and what it expands to without an inventory.
public struct TargetSelector: Sendable, Hashable {
    /// `list` or `query` (`range` is normalized to `list`).
    public var mode: SelectorMode
    /// The canonical text: for lists the targets sorted and merged into ranges, so that
    /// `104,105,106` and `106,104-105` are the same; for queries the canonical query.
    public var value: String
    /// The query, for `query` selectors.
    public var query: SelectorQuery?
    /// Canonical target ids known without an inventory, in natural order.
    public var staticIDs: [String]
    /// Cross-module port ranges resolved against the inventory at run time.
    public var inventoryRanges: [PortRange]

    /// The most targets a selector may name.
    public static let maximumTargets = 4_096
}

/// Something wrong with a selector value, with its place in the value's text.
public struct SelectorProblem: Sendable, Hashable {
    /// The diagnostic code.
    public var code: DiagnosticCode
    /// What is wrong and what would be right.
    public var message: String
    /// UTF-8 offset into the selector value, when the problem has a place.
    public var offset: Int?
}

/// Parses and expands selector values (SPEC sections 3 and 13).
public enum SelectorParser {
    /// Parses `value` in `mode` for targets of `targetType`. Returns the selector when
    /// there is no blocker, and every problem found.
    public static func parse(mode: SelectorMode, value: String, targetType: TargetType) -> (TargetSelector?, [SelectorProblem]) {
        if mode == .query {
            switch SelectorQuery.parse(value, targetType: targetType) {
            case .success(let query):
                return (TargetSelector(mode: .query, value: query.canonical, query: query, staticIDs: [], inventoryRanges: []), [])
            case .failure(let error):
                return (nil, [SelectorProblem(code: .invalidQuery, message: error.message, offset: error.offset)])
            }
        }
        let items = splitItems(value)
        var problems: [SelectorProblem] = []
        if items.allSatisfy({ $0.text.isEmpty }) {
            return (nil, [SelectorProblem(code: .emptySelectorItem,
                                          message: "empty selector; name at least one target, such as \(example(for: targetType))", offset: nil)])
        }
        for item in items where item.text.isEmpty {
            problems.append(SelectorProblem(code: .emptySelectorItem,
                                            message: "empty item between commas; remove the extra comma", offset: item.offset))
        }
        if looksLikeQuery(value) {
            problems.append(SelectorProblem(code: .invalidTargetID,
                                            message: "\"\(value)\" looks like a query; set \"mode\" to \"query\" to select by name, label or status",
                                            offset: nil))
            return (nil, problems)
        }
        let present = items.filter { !$0.text.isEmpty }
        var selector: TargetSelector?
        switch targetType.idForm {
        case .numeric: selector = expandNumeric(present, targetType: targetType, problems: &problems)
        case .port: selector = expandPorts(present, problems: &problems)
        case .name: selector = expandNames(present, mode: mode, targetType: targetType, problems: &problems)
        }
        if problems.contains(where: { $0.code.severity == .blocker }) { return (nil, problems) }
        return (selector, problems)
    }

    struct Item {
        var text: Substring
        var offset: Int
    }

    /// Comma-separated items with surrounding spaces trimmed, each with its UTF-8 offset.
    static func splitItems(_ value: String) -> [Item] {
        var items: [Item] = []
        var start = value.startIndex
        var offset = 0
        func add(_ end: String.Index) {
            var s = value[start..<end]
            var o = offset
            while let f = s.first, f == " " || f == "\t" { s = s.dropFirst(); o += 1 }
            while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
            items.append(Item(text: s, offset: o))
        }
        var i = value.startIndex
        var utf8Offset = 0
        while i < value.endIndex {
            if value[i] == "," {
                add(i)
                start = value.index(after: i)
                offset = utf8Offset + 1
            }
            utf8Offset += value[i].utf8.count
            i = value.index(after: i)
        }
        add(value.endIndex)
        return items
    }

    static func looksLikeQuery(_ value: String) -> Bool {
        value.contains("~") || value.contains("=") || value.contains(" and ")
    }

    static func example(for type: TargetType) -> String {
        switch type.idForm {
        case .numeric: return "104,204,311-318"
        case .port: return "1/1-1/4"
        case .name: return "default"
        }
    }

    /// Splits `a-b` into its ends; nil when the item is not a range.
    static func rangeEnds(_ item: Substring) -> (Substring, Substring)? {
        guard let dash = item.firstIndex(of: "-") else { return nil }
        return (item[..<dash].trimmingSpaces, item[item.index(after: dash)...].trimmingSpaces)
    }

    // MARK: numeric ids

    static func numericID(_ text: Substring) -> Int? {
        let b = Array(text.utf8)
        guard !b.isEmpty, b.count <= 9, b[0] != UInt8(ascii: "0") else { return nil }
        var n = 0
        for d in b {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(d - UInt8(ascii: "0"))
        }
        return n
    }

    /// An interval of numbers from one selector item, with the item's place.
    struct Interval {
        var lo: Int
        var hi: Int
        var offset: Int
    }

    /// Sorted, merged intervals, and the first few numbers (with their items' places) that
    /// more than one item names.
    static func merge(_ intervals: [Interval]) -> (merged: [Interval], repeated: [(Int, Int)]) {
        var merged: [Interval] = []
        var repeated: [(Int, Int)] = []
        for iv in intervals.sorted(by: { ($0.lo, $0.hi) < ($1.lo, $1.hi) }) {
            if var last = merged.last, iv.lo <= last.hi + 1 {
                if iv.lo <= last.hi, repeated.count < 5 { repeated.append((iv.lo, iv.offset)) }
                last.hi = max(last.hi, iv.hi)
                merged[merged.count - 1] = last
            } else {
                merged.append(iv)
            }
        }
        return (merged, repeated)
    }

    static func expandNumeric(_ items: [Item], targetType: TargetType, problems: inout [SelectorProblem]) -> TargetSelector? {
        var intervals: [Interval] = []
        let idHelp = "\(targetType.rawValue) ids are whole numbers from 1 to 999999999 without leading zeros"
        func byName(_ text: Substring) -> String { " (to select by name, use mode \"query\" with name=\(text))" }
        for item in items {
            let hasLetters = item.text.contains { $0.isLetter }
            if let (a, b) = rangeEnds(item.text) {
                guard let lo = numericID(a), let hi = numericID(b) else {
                    let portLike: (Substring) -> Bool = { PortID.parse($0) != nil && ($0.contains("/") || $0.first?.isLetter == true) }
                    let message: String
                    if portLike(a) && portLike(b) {
                        message = "\"\(item.text)\" is a port range, but the target type is \(targetType.rawValue); \(idHelp)"
                    } else if hasLetters {
                        message = "\"\(item.text)\" is not a \(targetType.rawValue) id; \(idHelp)\(byName(item.text))"
                    } else {
                        message = "\"\(item.text)\" is not a range of ids; \(idHelp), ranges such as 311-318"
                    }
                    problems.append(SelectorProblem(code: .invalidTargetID, message: message, offset: item.offset))
                    continue
                }
                if lo > hi {
                    problems.append(SelectorProblem(code: .reversedRange, message: "range \(item.text) is reversed; write \(hi)-\(lo)", offset: item.offset))
                    continue
                }
                intervals.append(Interval(lo: lo, hi: hi, offset: item.offset))
            } else if let id = numericID(item.text) {
                intervals.append(Interval(lo: id, hi: id, offset: item.offset))
            } else {
                problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is not a \(targetType.rawValue) id; \(idHelp)\(hasLetters ? byName(item.text) : "")", offset: item.offset))
            }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        let (merged, repeated) = merge(intervals)
        if let first = repeated.first {
            problems.append(SelectorProblem(code: .repeatedTarget,
                                            message: "\(repeated.map { targetType.targetID(String($0.0)) }.joined(separator: ", ")) named more than once; each target is selected once",
                                            offset: first.1))
        }
        let count = merged.reduce(0) { $0 + ($1.hi - $1.lo + 1) }
        if count > TargetSelector.maximumTargets {
            problems.append(SelectorProblem(code: .tooManyTargets,
                                            message: "selector expands to \(count.grouped) targets; the limit is 4,096", offset: nil))
            return nil
        }
        var ids: [String] = []
        ids.reserveCapacity(count)
        for iv in merged {
            for n in iv.lo...iv.hi { ids.append(targetType.targetID(String(n))) }
        }
        let canonical = merged.map { $0.lo == $0.hi ? String($0.lo) : "\($0.lo)-\($0.hi)" }.joined(separator: ",")
        return TargetSelector(mode: .list, value: canonical, query: nil, staticIDs: ids, inventoryRanges: [])
    }

    // MARK: ports

    static func expandPorts(_ items: [Item], problems: inout [SelectorProblem]) -> TargetSelector? {
        var lines: [PortID.LineKey: (template: PortID, intervals: [Interval])] = [:]
        // Ranges across modules, by member, as intervals over (module, port) positions.
        var crossByMember: [Int: [Interval]] = [:]
        for item in items {
            if let (a, b) = rangeEnds(item.text) {
                guard let from = PortID.parse(a), let to = PortID.parse(b), validModulePort(from), validModulePort(to) else {
                    let which = PortID.parse(a) == nil ? a : b
                    problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(which)\" in \(item.text) is not a port id; \(PortID.accepted)", offset: item.offset))
                    continue
                }
                if from.isTrunk != to.isTrunk || (from.member == nil) != (to.member == nil) || (from.module == nil) != (to.module == nil) {
                    problems.append(SelectorProblem(code: .incompatibleRange, message: "range \(item.text) joins ports of different forms (\(from.form), \(to.form)); both ends must be written alike, such as 1/1-1/4 or A1-A4", offset: item.offset))
                    continue
                }
                if let fm = from.member, let tm = to.member, fm != tm {
                    problems.append(SelectorProblem(code: .incompatibleRange, message: "range \(item.text) crosses stack members \(fm) and \(tm); a range stays within one member: write \(from)-\(fm)/…,\(tm)/…-\(to)", offset: item.offset))
                    continue
                }
                let fromPosition = position(from), toPosition = position(to)
                if fromPosition > toPosition {
                    problems.append(SelectorProblem(code: .reversedRange, message: "range \(item.text) is reversed; write \(to)-\(from)", offset: item.offset))
                    continue
                }
                if from.module == to.module {
                    lines[from.lineKey, default: (from, [])].intervals.append(Interval(lo: from.number, hi: to.number, offset: item.offset))
                } else {
                    crossByMember[from.member ?? -1, default: []].append(Interval(lo: fromPosition, hi: toPosition, offset: item.offset))
                }
            } else if let port = PortID.parse(item.text), validModulePort(port) {
                lines[port.lineKey, default: (port, [])].intervals.append(Interval(lo: port.number, hi: port.number, offset: item.offset))
            } else {
                let hint = numericID(item.text) == nil && item.text.lowercased() != String(item.text) ? " (module letters are upper case)" : ""
                problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is not a port id; \(PortID.accepted)\(hint)", offset: item.offset))
            }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        var repeated: [(String, Int)] = []
        // Ranges across modules, merged per member.
        var cross: [PortRange] = []
        var crossIntervals: [(member: Int, interval: Interval)] = []
        for member in crossByMember.keys.sorted() {
            let (merged, again) = merge(crossByMember[member]!)
            for (p, offset) in again where repeated.count < 5 { repeated.append((port(member: member, position: p).description, offset)) }
            for iv in merged {
                crossIntervals.append((member, iv))
                cross.append(PortRange(from: port(member: member, position: iv.lo), to: port(member: member, position: iv.hi)))
            }
        }
        var pieces: [(PortID, String)] = cross.map { ($0.from, $0.canonical) }
        var ids: [String] = []
        var count = cross.reduce(0) { $0 + $1.upperBound }
        for key in lines.keys.sorted() {
            let (template, intervals) = lines[key]!
            let (merged, again) = merge(intervals)
            for (n, offset) in again where repeated.count < 5 { repeated.append((template.with(number: n).description, offset)) }
            for iv in merged {
                // Ports a range across modules already covers are named twice.
                var kept: [Int] = []
                for n in iv.lo...iv.hi {
                    let p = template.with(number: n)
                    if !p.isTrunk, let m = p.module, crossIntervals.contains(where: { $0.member == (p.member ?? -1) && (($0.interval.lo)...($0.interval.hi)).contains(position(p, module: m)) }) {
                        if repeated.count < 5 { repeated.append((p.description, iv.offset)) }
                    } else {
                        kept.append(n)
                    }
                }
                count += kept.count
                if count > TargetSelector.maximumTargets { break }
                ids += kept.map { TargetType.poePort.targetID(template.with(number: $0).description) }
                var runStart: Int?
                var previous = 0
                for n in kept + [Int.min] {
                    if runStart != nil, n == previous + 1 {
                        previous = n
                        continue
                    } else if let s = runStart {
                        let a = template.with(number: s), b = template.with(number: previous)
                        pieces.append((a, s == previous ? a.description : "\(a)-\(b)"))
                    }
                    runStart = n == Int.min ? nil : n
                    previous = n
                }
            }
        }
        if count > TargetSelector.maximumTargets {
            problems.append(SelectorProblem(code: .tooManyTargets,
                                            message: "selector expands to more than 4,096 ports (\(count.grouped) or more); the limit is 4,096", offset: nil))
            return nil
        }
        if let first = repeated.first {
            problems.append(SelectorProblem(code: .repeatedTarget,
                                            message: "\(repeated.map(\.0).joined(separator: ", ")) named more than once; each port is selected once", offset: first.1))
        }
        pieces.sort { $0.0 < $1.0 }
        return TargetSelector(mode: .list, value: pieces.map(\.1).joined(separator: ","), query: nil,
                              staticIDs: ids, inventoryRanges: cross)
    }

    /// A port's place among the ports of its member: modules in letter order, 24 ports each.
    static func position(_ port: PortID, module: UInt8? = nil) -> Int {
        guard let m = module ?? port.module else { return port.number }
        return Int(m - UInt8(ascii: "A")) * PortID.portsPerModule + port.number
    }

    /// The port at a place among a member's modules.
    static func port(member: Int, position: Int) -> PortID {
        let module = UInt8(ascii: "A") + UInt8((position - 1) / PortID.portsPerModule)
        return PortID(member: member < 0 ? nil : member, module: module, number: (position - 1) % PortID.portsPerModule + 1)
    }

    /// Ports on a module number 1–24.
    static func validModulePort(_ port: PortID) -> Bool {
        port.module == nil || port.number <= PortID.portsPerModule
    }

    // MARK: names

    /// True for names of endpoints, hosts and events: letters, digits, `.`, `_`, `-`, at most 64.
    public static func validName(_ text: Substring) -> Bool {
        let b = Array(text.utf8)
        guard let first = b.first, b.count <= 64, isAlnum(first) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    static func expandNames(_ items: [Item], mode: SelectorMode, targetType: TargetType, problems: inout [SelectorProblem]) -> TargetSelector? {
        if mode == .range {
            problems.append(SelectorProblem(code: .rangeNotAllowed,
                                            message: "\(targetType.rawValue) targets are named, not numbered; use mode \"list\" with names such as default", offset: nil))
            return nil
        }
        var names: [String] = []
        var repeated: [String] = []
        var firstRepeat: Int?
        for item in items {
            guard validName(item.text) else {
                problems.append(SelectorProblem(code: .invalidTargetID,
                                                message: "\"\(item.text)\" is not a \(targetType.rawValue) name; names are letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters", offset: item.offset))
                continue
            }
            let name = String(item.text)
            if names.contains(name) {
                repeated.append(name)
                if firstRepeat == nil { firstRepeat = item.offset }
            } else {
                names.append(name)
            }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        if !repeated.isEmpty {
            problems.append(SelectorProblem(code: .repeatedTarget, message: "\(repeated.joined(separator: ", ")) named more than once; each target is selected once", offset: firstRepeat))
        }
        names.sort()
        return TargetSelector(mode: .list, value: names.joined(separator: ","), query: nil,
                              staticIDs: names.map { targetType.targetID($0) }, inventoryRanges: [])
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
