import Drivers
import Engine
import Policy

/// A recorded sequence of timestamped events to replay (`policyops simulate --trace`),
/// and, optionally, the state the hosts were in when it began.
///
/// Three shapes are read:
/// - a trace object: `{"version": 1, "start"?, "until"?, "hosts"?: {NAME: {"targets", "faults"}}, "events": [...]}`;
/// - an array of ledger records, as `policyops ledger --kind event --limit 0 --format json`
///   prints them (the events they consumed are replayed, every other record is ignored);
/// - an array of events, or JSON Lines of events or ledger records.
///
/// An event is `{"ts", "type", "subject"?, "attrs"?, "id"?, "kind"?, "correlation_id"?}`
/// with `type` one of `ups.state`, `metric`, `webhook.custom`; `subject` is an object
/// `{"kind", "id"}` or the text `ups:ups-main`. Timer and hold events (`timer.at`,
/// `timer.after`, `metric.hold`) are left out: the engine makes its own from the policies
/// being replayed, which may not be the ones that made the recorded ones.
public struct Trace: Sendable {
    /// The events, in time order (equal times keep the trace's order).
    public var events: [Event]
    /// The starting state of hosts, by host name or id as the trace wrote it.
    public var hosts: [String: SimulatedHostState]
    /// When the replay starts (the commit is applied then); nil: the first event's time.
    public var start: Timestamp?
    /// When it ends (timers armed by the events keep firing until then); nil: an hour
    /// after the last event.
    public var until: Timestamp?
    /// Entries read but not replayed, counted by why (`timer.after events`, `decision records`).
    public var ignored: [String: Int]

    /// Creates a trace.
    public init(events: [Event], hosts: [String: SimulatedHostState] = [:], start: Timestamp? = nil, until: Timestamp? = nil,
                ignored: [String: Int] = [:]) {
        self.events = events
        self.hosts = hosts
        self.start = start
        self.until = until
        self.ignored = ignored
    }

    /// A reason a trace cannot be read, where it is.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// 1-based line and column.
        public var line: Int
        public var column: Int
        /// The JSON pointer of the value.
        public var pointer: String
        /// What is wrong.
        public var message: String

        public var description: String { "\(line):\(column): \(pointer.isEmpty ? "" : pointer + ": ")\(message)" }
    }

    /// The largest trace read (a month of events from a busy ledger fits many times over).
    public static let maxBytes = 64 << 20
    /// At most this many problems are reported.
    static let maxProblems = 20

    /// Reads a trace; every problem found, with its position, when it cannot.
    public static func read(_ bytes: [UInt8]) -> Result<Trace, TraceProblems> {
        var reader = TraceReader(bytes: bytes)
        let trace = reader.read()
        if let trace, reader.problems.isEmpty { return .success(trace) }
        return .failure(TraceProblems(problems: Array(reader.problems.prefix(maxProblems)), more: max(0, reader.problems.count - maxProblems)))
    }
}

/// Why a trace could not be read.
public struct TraceProblems: Error, Sendable {
    /// The first problems, in file order.
    public var problems: [Trace.Problem]
    /// How many more were found.
    public var more: Int
}

/// Reads the shapes `Trace` documents, collecting problems rather than stopping at the first.
struct TraceReader {
    let bytes: [UInt8]
    var source: SourceText
    var problems: [Trace.Problem] = []
    var events: [(ts: Timestamp, order: Int, event: Event)] = []
    var ignored: [String: Int] = [:]
    var ids: [String: String] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        source = SourceText(bytes: bytes)
    }

    mutating func problem(_ offset: Int, _ pointer: String, _ message: String) {
        let (line, column) = source.position(of: offset)
        problems.append(Trace.Problem(line: line, column: column, pointer: pointer, message: message))
    }

    static let limits = JSONReadLimits(maxBytes: Trace.maxBytes, maxDepth: 64, maxNumberLength: 100)

    mutating func read() -> Trace? {
        if bytes.count > Trace.maxBytes {
            problems.append(Trace.Problem(line: 1, column: 1, pointer: "", message: "the trace is larger than \(Trace.maxBytes >> 20) MiB; export a shorter period (policyops ledger --kind event)"))
            return nil
        }
        let whole = JSONReader.read(bytes, limits: Self.limits)
        let fatal = whole.issues.filter { $0.code.severity == .blocker }
        if let value = whole.value, fatal.isEmpty {
            return document(value)
        }
        if let lines = jsonLines() { return lines }
        for issue in fatal { problem(issue.offset, issue.pointer, issue.message) }
        return nil
    }

    /// JSON Lines: one event or record per line. Nil when the text is not that either
    /// (the whole-document problems are then the ones to report).
    mutating func jsonLines() -> Trace? {
        var values: [(JSONValue, Int)] = []
        var start = 0
        var index = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = Array(bytes[start..<end])
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                let result = JSONReader.read(line, limits: Self.limits)
                guard let value = result.value, !result.issues.contains(where: { $0.code.severity == .blocker }), value.objectMembers != nil else {
                    // Not JSON Lines unless the first line was already an object on its own.
                    if values.isEmpty { return nil }
                    let issue = result.issues.first { $0.code.severity == .blocker }
                    problem(start + (issue?.offset ?? 0), "", "line is not a JSON object: \(issue?.message ?? "expected an event or a ledger record")")
                    start = end + 1
                    index += 1
                    continue
                }
                values.append((value, start))
            }
            start = end + 1
            index += 1
        }
        guard values.count > 1 else { return nil }
        for (n, (value, base)) in values.enumerated() {
            entry(shifted(value, by: base), pointer: "/\(n)", order: n)
        }
        return finish(hosts: [:], start: nil, until: nil)
    }

    /// A value read from one line, its offsets moved to where the line starts in the file.
    func shifted(_ value: JSONValue, by base: Int) -> JSONValue {
        switch value.kind {
        case .array(let items): return JSONValue(.array(items.map { shifted($0, by: base) }), offset: value.offset + base)
        case .object(let members):
            return JSONValue(.object(members.map { JSONMember(key: $0.key, keyOffset: $0.keyOffset + base, value: shifted($0.value, by: base)) }),
                             offset: value.offset + base)
        default: return JSONValue(value.kind, offset: value.offset + base)
        }
    }

    mutating func document(_ value: JSONValue) -> Trace? {
        switch value.kind {
        case .array(let items):
            for (n, item) in items.enumerated() { entry(item, pointer: "/\(n)", order: n) }
            return finish(hosts: [:], start: nil, until: nil)
        case .object(let members):
            let allowed: Set = ["version", "description", "start", "until", "hosts", "events", "$schema"]
            for m in members where !allowed.contains(m.key) {
                problem(m.keyOffset, "/" + m.key, "unknown field '\(m.key)'; a trace has \(allowed.sorted().joined(separator: ", "))")
            }
            if let version = members.first(where: { $0.key == "version" })?.value {
                if case .number(let n) = version.kind, n.int64 == 1 {} else {
                    problem(version.offset, "/version", "version must be 1")
                }
            }
            let start = time(members, "start")
            let until = time(members, "until")
            var hosts: [String: SimulatedHostState] = [:]
            if let h = members.first(where: { $0.key == "hosts" })?.value {
                hosts = self.hosts(h)
            }
            guard let list = members.first(where: { $0.key == "events" })?.value else {
                problem(value.offset, "", "a trace object needs \"events\": an array of {\"ts\", \"type\", \"subject\", \"attrs\"}")
                return nil
            }
            guard case .array(let items) = list.kind else {
                problem(list.offset, "/events", "events must be an array, not \(list.typeDescription)")
                return nil
            }
            for (n, item) in items.enumerated() { entry(item, pointer: "/events/\(n)", order: n) }
            return finish(hosts: hosts, start: start, until: until)
        default:
            problem(value.offset, "", "a trace is an object with \"events\", an array of events or ledger records, or JSON Lines; not \(value.typeDescription)")
            return nil
        }
    }

    mutating func time(_ members: [JSONMember], _ key: String) -> Timestamp? {
        guard let v = members.first(where: { $0.key == key })?.value else { return nil }
        guard let text = v.stringValue, let ts = Timestamp(iso8601: text) else {
            problem(v.offset, "/" + key, "\(key) must be an RFC 3339 time such as 2026-10-14T02:13:05Z")
            return nil
        }
        return ts
    }

    mutating func hosts(_ value: JSONValue) -> [String: SimulatedHostState] {
        guard let members = value.objectMembers else {
            problem(value.offset, "/hosts", "hosts must be an object: host name or id → {\"targets\": [...], \"faults\": {...}}")
            return [:]
        }
        var out: [String: SimulatedHostState] = [:]
        for m in members {
            let pointer = "/hosts/" + JSONPointer.escape(m.key)
            guard let fields = m.value.objectMembers else {
                problem(m.value.offset, pointer, "a host's state is an object {\"targets\": [...], \"faults\": {...}}")
                continue
            }
            for f in fields where !["targets", "faults"].contains(f.key) {
                problem(f.keyOffset, pointer + "/" + f.key, "unknown field '\(f.key)'; a host's state has targets and faults")
            }
            var targets: [InventoryTarget] = []
            if let list = fields.first(where: { $0.key == "targets" })?.value {
                guard case .array(let items) = list.kind else {
                    problem(list.offset, pointer + "/targets", "targets must be an array of {\"id\", \"name\", \"state\", \"labels\"}")
                    continue
                }
                for (n, item) in items.enumerated() {
                    guard let target = InventoryTarget(json: JSON(item)), item.objectMembers != nil else {
                        problem(item.offset, pointer + "/targets/\(n)", "a target is {\"id\": \"vm:104\", \"name\", \"state\", \"labels\"} with a known type before the colon")
                        continue
                    }
                    targets.append(target)
                }
            }
            var json = JSON.object([.init("host_id", .string(m.key)), .init("targets", .array(targets.map(\.json)))])
            if let faults = fields.first(where: { $0.key == "faults" })?.value {
                let known: Set = ["unreachable", "auth_denied", "latency_ms", "fail_targets"]
                for f in faults.objectMembers ?? [] where !known.contains(f.key) {
                    problem(f.keyOffset, pointer + "/faults/" + f.key, "unknown fault '\(f.key)'; faults are \(known.sorted().joined(separator: ", "))")
                }
                if case .object(var members) = json { members.append(.init("faults", JSON(faults))); json = .object(members) }
            }
            if let state = SimulatedHostState(json: json) { out[m.key] = state }
        }
        return out
    }

    /// One event, or one ledger record.
    mutating func entry(_ value: JSONValue, pointer: String, order: Int) {
        guard let members = value.objectMembers else {
            problem(value.offset, pointer, "an event or ledger record is an object, not \(value.typeDescription)")
            return
        }
        func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
        // A ledger record: it has a record kind and details (or the seq the ledger gave it).
        if let kindText = member("kind")?.stringValue, let kind = RecordKind(rawValue: kindText), member("details") != nil || member("seq") != nil {
            guard kind == .event else {
                ignored["\(kind.rawValue) records", default: 0] += 1
                return
            }
            guard let e = member("details").flatMap({ d in d.objectMembers?.first { $0.key == "event" }?.value }) else {
                problem(value.offset, pointer, "an event record without details.event; export the ledger with policyops ledger --format json")
                return
            }
            event(e, pointer: pointer + "/details/event", order: order)
            return
        }
        event(value, pointer: pointer, order: order)
    }

    mutating func event(_ value: JSONValue, pointer: String, order: Int) {
        guard let members = value.objectMembers else {
            problem(value.offset, pointer, "an event is an object, not \(value.typeDescription)")
            return
        }
        let allowed: Set = ["id", "type", "kind", "subject", "attrs", "ts", "correlation_id"]
        var ok = true
        for m in members where !allowed.contains(m.key) {
            problem(m.keyOffset, pointer + "/" + m.key, "unknown field '\(m.key)'; an event has \(allowed.sorted().joined(separator: ", "))")
            ok = false
        }
        func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
        guard let tsValue = member("ts") else {
            problem(value.offset, pointer, "an event needs \"ts\", the RFC 3339 time it happened")
            return
        }
        guard let tsText = tsValue.stringValue, let ts = Timestamp(iso8601: tsText) else {
            problem(tsValue.offset, pointer + "/ts", "ts must be an RFC 3339 time such as 2026-10-14T02:13:05Z")
            return
        }
        guard let typeValue = member("type") else {
            problem(value.offset, pointer, "an event needs \"type\": ups.state, metric or webhook.custom")
            return
        }
        guard let typeText = typeValue.stringValue, let type = EventType(rawValue: typeText) else {
            problem(typeValue.offset, pointer + "/type", "type must be ups.state, metric or webhook.custom")
            return
        }
        if type == .timerAt || type == .timerAfter || type == .metricHold {
            ignored["\(type.rawValue) events", default: 0] += 1
            return
        }
        var subject = Subject(kind: "", id: "")
        if let s = member("subject") {
            if let text = s.stringValue, let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex {
                subject = Subject(kind: String(text[..<colon]), id: String(text[text.index(after: colon)...]))
            } else if let fields = s.objectMembers, let k = fields.first(where: { $0.key == "kind" })?.value.stringValue,
                      let i = fields.first(where: { $0.key == "id" })?.value.stringValue {
                subject = Subject(kind: k, id: i)
            } else if case .null = s.kind {
            } else {
                problem(s.offset, pointer + "/subject", "subject is {\"kind\": \"ups\", \"id\": \"ups-main\"} or \"ups:ups-main\"")
                ok = false
            }
        }
        var attrs: [String: String] = [:]
        if let a = member("attrs") {
            if let fields = a.objectMembers {
                for f in fields {
                    switch f.value.kind {
                    case .string(let s): attrs[f.key] = s
                    case .number(let n): attrs[f.key] = n.literal
                    case .bool(let b): attrs[f.key] = b ? "true" : "false"
                    default:
                        problem(f.value.offset, pointer + "/attrs/" + JSONPointer.escape(f.key), "an attribute is a string, number or boolean")
                        ok = false
                    }
                }
            } else {
                problem(a.offset, pointer + "/attrs", "attrs must be an object such as {\"state\": \"on_battery\"}")
                ok = false
            }
        }
        guard ok else { return }
        let kind: String
        if let k = member("kind")?.stringValue, !k.isEmpty {
            kind = k
        } else {
            switch type {
            case .upsState: kind = attrs["state"] ?? ""
            case .webhook: kind = attrs["name"] ?? ""
            default: kind = attrs.keys.sorted().joined(separator: ",")
            }
        }
        let id = member("id")?.stringValue ?? "trace-\(order + 1)"
        if let earlier = ids[id] {
            problem(value.offset, pointer, "event id '\(id)' is used twice (also at \(earlier)); ids must be unique")
            return
        }
        ids[id] = pointer
        do {
            let e = try Event(id: id, type: type, kind: kind, subject: subject, attrs: attrs, ts: ts,
                              correlationID: member("correlation_id")?.stringValue).validated()
            events.append((ts, events.count, e))
        } catch {
            problem(value.offset, pointer, error.message.replacing("--attr ", with: "attrs "))
        }
    }

    mutating func finish(hosts: [String: SimulatedHostState], start: Timestamp?, until: Timestamp?) -> Trace? {
        let sorted = events.sorted { ($0.ts, $0.order) < ($1.ts, $1.order) }.map(\.event)
        if sorted.isEmpty && problems.isEmpty {
            problems.append(Trace.Problem(line: 1, column: 1, pointer: "", message: "the trace has no events to replay"
                                          + (ignored.isEmpty ? "" : " (ignored: " + ignored.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")")))
        }
        if let start, let first = sorted.first, first.ts < start {
            problems.append(Trace.Problem(line: 1, column: 1, pointer: "/start", message: "start \(start.iso8601) is after the first event (\(first.ts.iso8601))"))
        }
        if let until, let last = sorted.last, until < last.ts {
            problems.append(Trace.Problem(line: 1, column: 1, pointer: "/until", message: "until \(until.iso8601) is before the last event (\(last.ts.iso8601))"))
        }
        return Trace(events: sorted, hosts: hosts, start: start, until: until, ignored: ignored)
    }
}
