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
