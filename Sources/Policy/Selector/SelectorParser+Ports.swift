/// Port ids (`1/1`, `A5`, `Trk1`) and their ranges in selectors.
extension SelectorParser {
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
}
