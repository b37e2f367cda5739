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

    static func expandNumeric(_ items: [Item], targetType: TargetType, problems: inout [SelectorProblem]) -> TargetSelector? {
        var intervals: [(lo: Int, hi: Int)] = []
        let idHelp = "\(targetType.rawValue) ids are whole numbers from 1 to 999999999 without leading zeros"
        for item in items {
            if let (a, b) = rangeEnds(item.text) {
                guard let lo = numericID(a), let hi = numericID(b) else {
                    if PortID.parse(a) != nil || PortID.parse(b) != nil {
                        problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is a port range, but the target type is \(targetType.rawValue); \(idHelp)", offset: item.offset))
                    } else {
                        problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is not a range of ids; \(idHelp), ranges such as 311-318", offset: item.offset))
                    }
                    continue
                }
                if lo > hi {
                    problems.append(SelectorProblem(code: .reversedRange, message: "range \(item.text) is reversed; write \(hi)-\(lo)", offset: item.offset))
                    continue
                }
                intervals.append((lo, hi))
            } else if let id = numericID(item.text) {
                intervals.append((id, id))
            } else {
                problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is not a \(targetType.rawValue) id; \(idHelp)", offset: item.offset))
            }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        intervals.sort { $0.lo < $1.lo || ($0.lo == $1.lo && $0.hi < $1.hi) }
        var merged: [(lo: Int, hi: Int)] = []
        var repeated: [Int] = []
        for iv in intervals {
            if var last = merged.last, iv.lo <= last.hi + 1 {
                if iv.lo <= last.hi, repeated.count < 5 { repeated.append(iv.lo) }
                last.hi = max(last.hi, iv.hi)
                merged[merged.count - 1] = last
            } else {
                merged.append(iv)
            }
        }
        if !repeated.isEmpty {
            problems.append(SelectorProblem(code: .repeatedTarget,
                                            message: "\(repeated.map { targetType.targetID(String($0)) }.joined(separator: ", ")) named more than once; each target is selected once",
                                            offset: nil))
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
        var lines: [PortID.LineKey: [(lo: Int, hi: Int)]] = [:]
        var templates: [PortID.LineKey: PortID] = [:]
        var crossRanges: [PortRange] = []
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
                if from.module == to.module {
                    if from.number > to.number {
                        problems.append(SelectorProblem(code: .reversedRange, message: "range \(item.text) is reversed; write \(to)-\(from)", offset: item.offset))
                        continue
                    }
                    lines[from.lineKey, default: []].append((from.number, to.number))
                    templates[from.lineKey] = from
                } else {
                    if from.module! > to.module! {
                        problems.append(SelectorProblem(code: .reversedRange, message: "range \(item.text) is reversed; write \(to)-\(from)", offset: item.offset))
                        continue
                    }
                    crossRanges.append(PortRange(from: from, to: to))
                }
            } else if let port = PortID.parse(item.text), validModulePort(port) {
                lines[port.lineKey, default: []].append((port.number, port.number))
                templates[port.lineKey] = port
            } else {
                let hint = numericID(item.text) == nil && item.text.lowercased() != String(item.text) ? " (module letters are upper case)" : ""
                problems.append(SelectorProblem(code: .invalidTargetID, message: "\"\(item.text)\" is not a port id; \(PortID.accepted)\(hint)", offset: item.offset))
            }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        // Merge numbered runs per line; drop singles that a cross-module range already covers.
        var runs: [(from: PortID, to: PortID)] = []
        var repeated: [String] = []
        for key in lines.keys.sorted() {
            let template = templates[key]!
            var merged: [(lo: Int, hi: Int)] = []
            for iv in lines[key]!.sorted(by: { $0.lo < $1.lo || ($0.lo == $1.lo && $0.hi < $1.hi) }) {
                if var last = merged.last, iv.lo <= last.hi + 1 {
                    if iv.lo <= last.hi, repeated.count < 5 { repeated.append(template.with(number: iv.lo).description) }
                    last.hi = max(last.hi, iv.hi)
                    merged[merged.count - 1] = last
                } else {
                    merged.append(iv)
                }
            }
            for iv in merged { runs.append((template.with(number: iv.lo), template.with(number: iv.hi))) }
        }
        crossRanges.sort { $0.from < $1.from || ($0.from == $1.from && $0.to < $1.to) }
        var uniqueCross: [PortRange] = []
        for r in crossRanges where !uniqueCross.contains(r) { uniqueCross.append(r) }
        if uniqueCross.count < crossRanges.count, repeated.count < 5 { repeated.append("a repeated range") }
        var ids: [String] = []
        var keptRuns: [(from: PortID, to: PortID)] = []
        var count = uniqueCross.reduce(0) { $0 + $1.upperBound }
        for run in runs {
            var kept: [Int] = []
            for n in run.from.number...run.to.number {
                let port = run.from.with(number: n)
                if uniqueCross.contains(where: { $0.contains(port) }) {
                    if repeated.count < 5 { repeated.append(port.description) }
                } else {
                    kept.append(n)
                }
                if kept.count + count > TargetSelector.maximumTargets { break }
            }
            count += kept.count
            if count > TargetSelector.maximumTargets { break }
            var start: Int? = nil, prev = 0
            for n in kept {
                if let s = start, n == prev + 1 { prev = n; _ = s; continue }
                if let s = start { keptRuns.append((run.from.with(number: s), run.from.with(number: prev))) }
                start = n
                prev = n
            }
            if let s = start { keptRuns.append((run.from.with(number: s), run.from.with(number: prev))) }
            ids.append(contentsOf: kept.map { TargetType.poePort.targetID(run.from.with(number: $0).description) })
        }
        if count > TargetSelector.maximumTargets {
            let total = uniqueCross.reduce(0) { $0 + $1.upperBound } + runs.reduce(0) { $0 + $1.to.number - $1.from.number + 1 }
            problems.append(SelectorProblem(code: .tooManyTargets,
                                            message: "selector expands to \(max(total, count).grouped) ports or more; the limit is 4,096", offset: nil))
            return nil
        }
        if !repeated.isEmpty {
            problems.append(SelectorProblem(code: .repeatedTarget,
                                            message: "\(repeated.joined(separator: ", ")) named more than once; each port is selected once", offset: nil))
        }
        var pieces: [(PortID, String)] = keptRuns.map { ($0.from, $0.from == $0.to ? $0.from.description : "\($0.from)-\($0.to)") }
        pieces += uniqueCross.map { ($0.from, $0.canonical) }
        pieces.sort { $0.0 < $1.0 }
        return TargetSelector(mode: .list, value: pieces.map(\.1).joined(separator: ","), query: nil,
                              staticIDs: ids, inventoryRanges: uniqueCross)
    }

    /// Ports on a module number 1–24.
    static func validModulePort(_ port: PortID) -> Bool {
        port.module == nil || port.number <= PortID.portsPerModule
    }

    // MARK: names

    static func validName(_ text: Substring) -> Bool {
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
        for item in items {
            guard validName(item.text) else {
                problems.append(SelectorProblem(code: .invalidTargetID,
                                                message: "\"\(item.text)\" is not a \(targetType.rawValue) name; names are letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters", offset: item.offset))
                continue
            }
            let name = String(item.text)
            if names.contains(name) { repeated.append(name) } else { names.append(name) }
        }
        guard !problems.contains(where: { $0.code.severity == .blocker }) else { return nil }
        if !repeated.isEmpty {
            problems.append(SelectorProblem(code: .repeatedTarget, message: "\(repeated.joined(separator: ", ")) named more than once; each target is selected once", offset: nil))
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
