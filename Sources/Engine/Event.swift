import Policy

/// What an event is about: `{"kind": "ups", "id": "ups-main"}`.
public struct Subject: Sendable, Hashable {
    /// `ups`, `webhook`, `policy` (for timers), ...
    public var kind: String
    /// The id within the kind.
    public var id: String

    /// Creates a subject.
    public init(kind: String, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// The kinds of event the engine takes.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    /// A UPS changed state (attribute `state`), possibly with readings.
    case upsState = "ups.state"
    /// Metric readings of a UPS (attributes named by metric: `load=72`).
    case metric = "metric"
    /// A named external event (attribute `name`).
    case webhook = "webhook.custom"
    /// A `timer.at` occurrence (made by the engine's scheduler).
    case timerAt = "timer.at"
    /// A `timer.after` deadline (made by the engine's scheduler).
    case timerAfter = "timer.after"
    /// A `metric.threshold` with `for` has held long enough (made by the engine's scheduler).
    case metricHold = "metric.hold"
}

/// An event in the normalized shape of SPEC section 6:
/// `{"id", "type", "kind", "subject": {"kind", "id"}, "attrs", "ts", "correlation_id"}`.
public struct Event: Sendable, Hashable {
    /// Unique id (the inbox file's name).
    public var id: String
    /// What kind of event.
    public var type: EventType
    /// The specific kind: the UPS state, the event name, the metric names, the timer.
    public var kind: String
    /// What it is about.
    public var subject: Subject
    /// Attributes, as strings.
    public var attrs: [String: String]
    /// When it happened.
    public var ts: Timestamp
    /// Carried into every ledger record about it.
    public var correlationID: String?

    /// Creates an event.
    public init(id: String, type: EventType, kind: String, subject: Subject, attrs: [String: String] = [:], ts: Timestamp, correlationID: String? = nil) {
        self.id = id
        self.type = type
        self.kind = kind
        self.subject = subject
        self.attrs = attrs
        self.ts = ts
        self.correlationID = correlationID
    }

    /// The normalized JSON.
    public var json: JSON {
        .object([
            "id": .string(id), "type": .string(type.rawValue), "kind": .string(kind),
            "subject": .object(["kind": .string(subject.kind), "id": .string(subject.id)]),
            "attrs": .object(attrs.sorted { $0.key < $1.key }.map { JSON.Member($0.key, .string($0.value)) }),
            "ts": .string(ts.iso8601),
            "correlation_id": correlationID.map(JSON.string) ?? .null,
        ])
    }

    /// The canonical bytes of `json`, written directly.
    func writeCanonical(into out: inout [UInt8]) {
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        raw("{\"attrs\":{")
        for (i, key) in attrs.keys.sorted(by: JSON.canonicalOrder).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSON.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSON.writeString(attrs[key]!, into: &out)
        }
        raw("},\"correlation_id\":")
        if let correlationID { JSON.writeString(correlationID, into: &out) } else { raw("null") }
        raw(",\"id\":")
        JSON.writeString(id, into: &out)
        raw(",\"kind\":")
        JSON.writeString(kind, into: &out)
        raw(",\"subject\":{\"id\":")
        JSON.writeString(subject.id, into: &out)
        raw(",\"kind\":")
        JSON.writeString(subject.kind, into: &out)
        raw("},\"ts\":")
        JSON.writeString(ts.iso8601, into: &out)
        raw(",\"type\":")
        JSON.writeString(type.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Reads an event from its normalized JSON; nil when malformed.
    public init?(json: JSON) {
        guard let id = json["id"]?.stringValue, let typeText = json["type"]?.stringValue, let type = EventType(rawValue: typeText),
              let kind = json["kind"]?.stringValue, let subject = json["subject"], let sk = subject["kind"]?.stringValue,
              let si = subject["id"]?.stringValue, let tsText = json["ts"]?.stringValue, let ts = Timestamp(iso8601: tsText) else { return nil }
        var attrs: [String: String] = [:]
        for m in json["attrs"]?.objectMembers ?? [] {
            switch m.value {
            case .string(let s): attrs[m.key] = s
            case .integer(let i): attrs[m.key] = String(i)
            case .number(let d): attrs[m.key] = ECMAScriptNumber.format(d)
            case .bool(let b): attrs[m.key] = b ? "true" : "false"
            default: return nil
            }
        }
        self.init(id: id, type: type, kind: kind, subject: Subject(kind: sk, id: si), attrs: attrs, ts: ts,
                  correlationID: json["correlation_id"]?.stringValue)
    }

    /// The metric readings the event carries (attributes named by metric, short or NUT name).
    public var readings: [Metric: Double] {
        var out: [Metric: Double] = [:]
        for (k, v) in attrs {
            guard let metric = Metric(name: k), let value = Double(v), value.isFinite else { continue }
            out[metric] = value
            if metric == .runtimeSeconds { out[.runtimeMinutes] = value / 60 }
        }
        return out
    }

    /// Why an event built from user input is refused.
    public struct ValidationError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Checks an event given from outside (`event emit`, the inbox): its kind, subject and
    /// attributes must make sense.
    public func validated() throws(ValidationError) -> Event {
        func fail(_ m: String) -> ValidationError { ValidationError(message: m) }
        switch type {
        case .upsState:
            guard let state = attrs["state"] ?? (UPSState(rawValue: kind) != nil ? kind : nil), UPSState(rawValue: state) != nil else {
                throw fail("a ups.state event needs --attr state=STATE with STATE one of \(UPSState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case .metric:
            guard !readings.isEmpty else {
                throw fail("a metric event needs at least one reading, such as --attr load=72 (metrics: \(Metric.acceptedNames.joined(separator: ", ")))")
            }
            for (k, v) in attrs where Metric(name: k) != nil && Double(v)?.isFinite != true {
                throw fail("reading \(k)=\(v) is not a number")
            }
        case .webhook:
            guard let name = attrs["name"] ?? (kind.isEmpty || kind == type.rawValue ? nil : kind), SelectorParser.validName(name[...]) else {
                throw fail("a webhook.custom event needs --attr name=NAME (letters, digits, '.', '_', '-')")
            }
        case .timerAt, .timerAfter, .metricHold:
            throw fail("\(type.rawValue) events are made by the reconciler's own scheduler")
        }
        return self
    }

    /// The UPS state a ups.state event reports.
    public var upsState: UPSState? { UPSState(rawValue: attrs["state"] ?? kind) }

    /// The name of a webhook.custom event.
    public var webhookName: String? { attrs["name"] ?? (kind.isEmpty ? nil : kind) }

    /// The attribute a UPS monitor sets on the first reading it makes of a UPS (`"true"`).
    public static let baselineAttribute = "baseline"

    /// True for a monitor's first reading of a UPS: it sets a baseline, and is a change
    /// only when the engine's saved state says the UPS was in another state.
    public var isBaseline: Bool { attrs[Self.baselineAttribute] == "true" }
}
