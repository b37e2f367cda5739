/// JSON Schema 2020-12 documents for the files of a policy repository, generated from the
/// same catalog and rules the validator uses, so editors validate as `policyops validate`
/// does for everything a schema can express (cross-file checks, the 30-day limit on
/// durations, the selector's expansion and query grammar, `1.0` written for an integer and
/// the system's list of time zones are left to `validate`). The schema never accepts what
/// validate rejects where a schema can say it, and every pattern is ECMA-262 with the `u`
/// flag, as editors match them.
public enum JSONSchemaWriter {
    /// Which schema.
    public enum Kind: String, Sendable, CaseIterable {
        case policy, host, ups, settings, config
    }

    /// The schema of one kind of file.
    public static func schema(_ kind: Kind, catalog: CapabilityCatalog = .builtIn) -> JSON {
        switch kind {
        case .policy: return policy(catalog)
        case .host: return host()
        case .ups: return ups()
        case .settings: return settings()
        case .config: return configuration()
        }
    }

    static let draft = JSON.string("https://json-schema.org/draft/2020-12/schema")
    static let durationPattern = "^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
    static let uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    /// A secret's name in the operator's configuration.
    static let secretNamePattern = "^[A-Za-z0-9._-]{1,64}$"
    static let namePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    /// Host names: as other names, at most 63 characters (a DNS label).
    static let hostNamePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
    /// Text without C0 controls, as connection values and label values are.
    static let noControlPattern = "^[^\\u0000-\\u001f]*$"
    /// The characters `String.isUnsafe` refuses in a name: C0 and C1 controls, DEL, and
    /// bidirectional marks, overrides and isolates.
    static let unsafeClass = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
    /// White space as Swift's `Character.isWhitespace` sees it, controls aside (they are refused).
    static let spaceClass = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    /// A policy name: no unsafe character, and at least 3 characters besides surrounding white space.
    static let policyNamePattern = "^(?![\\s\\S]*[\(unsafeClass)])[\(spaceClass)]*[^\(spaceClass)][\\s\\S]+[^\(spaceClass)][\(spaceClass)]*$"
    /// A time zone name's form (which names exist is the system's to say).
    static let timeZonePattern = "^[A-Za-z0-9_+-][A-Za-z0-9/_+-]{0,63}$"
    /// A Proxmox API token id: `user@realm!tokenname`.
    static let tokenIDPattern = "^[^@!\(spaceClass)\\u0000-\\u001f\\u0085]+@[^@!\(spaceClass)\\u0000-\\u001f\\u0085]+![A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

    /// Selector items as `SelectorParser` reads them: ids or ranges, spaces around them allowed.
    static let numericID = "[1-9][0-9]{0,8}"
    static let portID = "(?:Trk[1-9][0-9]{0,2}|(?:[1-9][0-9]?/)?(?:[A-Z](?:[1-9]|1[0-9]|2[0-4])|[1-9][0-9]{0,2}))"
    static let targetName = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
    static func listPattern(_ item: String, ranges: Bool) -> String {
        let one = ranges ? "[ \\t]*\(item)(?:[ \\t]*-[ \\t]*\(item))?[ \\t]*" : "[ \\t]*\(item)[ \\t]*"
        return "^\(one)(?:,\(one))*$"
    }
    static func selectorPattern(_ type: TargetType) -> String {
        switch type.idForm {
        case .numeric: return listPattern(numericID, ranges: true)
        case .port: return listPattern(portID, ranges: true)
        case .name: return listPattern(targetName, ranges: false)
        }
    }

    /// A relative path segment that is not empty, `.` or `..`.
    static func segmentsPattern(_ segment: String) -> String {
        let one = "(?!\\.\\.?(?:/|$))\(segment)"
        return "^\(one)(?:/\(one))*$"
    }

    /// Whole numbers from 0 to `n`, leading zeros allowed (a duration's groups allow them).
    static func upTo(_ n: Int) -> String {
        let digits = Array(String(n)).map { Int(String($0))! }
        var alternatives: [String] = ["0"]
        if digits.count > 1 { alternatives.append("[1-9][0-9]{0,\(digits.count - 2)}") }
        for i in digits.indices {
            let low = i == 0 ? 1 : 0, high = digits[i] - 1
            let prefix = digits[..<i].map(String.init).joined()
            let rest = digits.count - i - 1
            if high >= low {
                alternatives.append(prefix + (low == high ? "\(low)" : "[\(low)-\(high)]") + (rest > 0 ? "[0-9]{\(rest)}" : ""))
            }
        }
        alternatives.append(String(n))
        return "0*(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// Durations from 1 s to 1 h (a UPS's `poll`): the groups add up to at most 3600 s, not to 0.
    static let pollPattern: String = {
        var rest: [String] = ["0*1h(?:0+m)?(?:0+s)?"]
        for m in 0...60 {
            let seconds = 3600 - 60 * m
            let minutes = m == 0 ? "(?:0+m)?" : "0*\(m)m"
            rest.append("(?:0+h)?" + minutes + "(?:\(upTo(seconds))s)?")
        }
        return "^(?=[0-9])(?=[\\s\\S]*[1-9])(?:0+d)?(?:" + rest.joined(separator: "|") + ")$"
    }()

    /// Durations from 1 s to 60 s (a host's `connection.refresh_sla`).
    static let refreshSLAPattern: String =
        "^(?=[0-9])(?=[\\s\\S]*[1-9])(?:0+d)?(?:0+h)?(?:0*1m(?:0+s)?|(?:0+m)?(?:\(upTo(60))s))$"

    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }

    static func closedObject(required: [String] = [], _ properties: KeyValuePairs<String, JSON>, extra: [JSON.Member] = []) -> JSON {
        var members: [JSON.Member] = [.init("type", .string("object"))]
        if !required.isEmpty { members.append(.init("required", strings(required))) }
        members.append(.init("properties", .object(properties)))
        members.append(.init("additionalProperties", .bool(false)))
        return .object(members + extra)
    }

    static func described(_ schema: JSON, _ description: String) -> JSON {
        guard case .object(var members) = schema else { return schema }
        members.insert(.init("description", .string(description)), at: 0)
        return .object(members)
    }

    // MARK: policy

    static func policy(_ catalog: CapabilityCatalog) -> JSON {
        let ops = strings(ComparisonOperator.allCases.map(\.rawValue))
        let duration: JSON = .object(["$ref": .string("#/$defs/duration")])
        let triggers: [JSON] = [
            closedObject(required: ["type", "equals"], ["type": .object(["const": .string("ups.state")]),
                                                       "equals": .object(["$ref": .string("#/$defs/ups_state")])]),
            closedObject(required: ["type", "metric", "op", "value"], [
                "type": .object(["const": .string("metric.threshold")]),
                "metric": .object(["enum": strings(Metric.acceptedNames)]),
                "op": .object(["enum": ops]),
                "value": .object(["type": .string("number")]),
                "for": described(duration, "How long the comparison must hold before the trigger fires."),
            ]),
            closedObject(required: ["type", "schedule"], [
                "type": .object(["const": .string("timer.at")]),
                "schedule": .object([
                    "oneOf": .array([
                        closedObject(required: ["repeat", "at"], ["repeat": .object(["const": .string("daily")]), "at": .object(["$ref": .string("#/$defs/time_of_day")])]),
                        closedObject(required: ["repeat", "at", "days"], [
                            "repeat": .object(["const": .string("weekly")]), "at": .object(["$ref": .string("#/$defs/time_of_day")]),
                            "days": .object(["type": .string("array"), "minItems": .integer(1), "uniqueItems": .bool(true),
                                             "items": .object(["enum": strings(Weekday.allCases.map(\.rawValue))])]),
                        ]),
                    ]),
                ]),
            ]),
            closedObject(required: ["type", "after", "since_event"], [
                "type": .object(["const": .string("timer.after")]),
                "after": duration,
                "since_event": .object(["oneOf": .array([
                    closedObject(required: ["type", "equals"], ["type": .object(["const": .string("ups.state")]), "equals": .object(["$ref": .string("#/$defs/ups_state")])]),
                    closedObject(required: ["type", "equals"], ["type": .object(["const": .string("webhook.custom")]), "equals": .object(["$ref": .string("#/$defs/event_name")])]),
                ])]),
            ]),
            closedObject(required: ["type", "name"], ["type": .object(["const": .string("webhook.custom")]),
                                                     "name": .object(["$ref": .string("#/$defs/event_name")])]),
        ]
        var conditionRules: [JSON] = []
        var nonNumeric: [JSON] = []
        for scope in ConditionScope.allCases {
            let fields = scope == .metric ? Metric.acceptedNames : Condition.fields(of: scope) + (scope == .ups ? ["battery.charge", "battery.runtime", "ups.load", "input_voltage", "input.voltage"] : [])
            conditionRules.append(.object([
                "if": .object(["properties": .object(["scope": .object(["const": .string(scope.rawValue)])])]),
                "then": .object(["properties": .object(["field": .object(["enum": strings(fields)])])]),
            ]))
            for field in fields {
                guard let type = Condition.fieldType(scope: scope, field: field), type != .number else { continue }
                var value: JSON = .object(["type": .string(type == .bool ? "boolean" : "string")])
                if scope == .ups && field == "state" { value = .object(["$ref": .string("#/$defs/ups_state")]) }
                let match: JSON = .object(["properties": .object(["scope": .object(["const": .string(scope.rawValue)]), "field": .object(["const": .string(field)])])])
                nonNumeric.append(match)
                conditionRules.append(.object([
                    "if": match,
                    "then": .object(["properties": .object(["op": .object(["enum": strings(["=", "!="])]), "value": value])]),
                ]))
            }
        }
        conditionRules.append(.object([
            "if": .object(["not": .object(["anyOf": .array(nonNumeric)])]),
            "then": .object(["properties": .object(["value": .object(["type": .string("number")])])]),
        ]))
        let condition = closedObject(required: ["scope", "field", "op", "value"], [
            "scope": .object(["enum": strings(ConditionScope.allCases.map(\.rawValue))]),
            "field": .object(["type": .string("string")]),
            "op": .object(["enum": ops]),
            "value": .object(["type": strings(["number", "string", "boolean"])]),
        ], extra: [.init("allOf", .array(conditionRules))])

        var actionRules: [JSON] = []
        for capability in catalog.capabilities {
            actionRules.append(.object([
                "if": .object(["properties": .object(["capability_id": .object(["const": .string(capability.id)])])]),
                "then": .object(["properties": .object(["verb": .object(["enum": strings(capability.verbs.map(\.name))])])]),
            ]))
            for verb in capability.verbs {
                var properties: [JSON.Member] = []
                for p in verb.parameters {
                    var schema: [JSON.Member] = []
                    switch p.kind {
                    case .integer(let r):
                        schema = [.init("type", .string("integer")), .init("minimum", .integer(r.lowerBound)), .init("maximum", .integer(r.upperBound))]
                    case .bool: schema = [.init("type", .string("boolean"))]
                    case .oneOf(let options): schema = [.init("enum", strings(options))]
                    case .string(let max): schema = [.init("type", .string("string")), .init("maxLength", .integer(Int64(max)))]
                    case .nonEmptyStringArray:
                        schema = [.init("type", .string("array")), .init("minItems", .integer(1)),
                                  .init("items", .object(["type": .string("string"), "minLength": .integer(1), "pattern": .string("^[^\\u0000]*$")]))]
                    case .object: schema = [.init("type", .string("object"))]
                    }
                    if let d = p.defaultValue { schema.append(.init("default", d)) }
                    schema.insert(.init("description", .string(p.summary)), at: 0)
                    properties.append(.init(p.name, .object(schema)))
                }
                var params: [JSON.Member] = [.init("type", .string("object"))]
                let required = verb.parameters.filter(\.required).map(\.name)
                if !required.isEmpty { params.append(.init("required", strings(required))) }
                params.append(.init("properties", .object(properties)))
                params.append(.init("additionalProperties", .bool(false)))
                var then: [JSON.Member] = [.init("properties", .object(["params": .object(params)]))]
                if !required.isEmpty { then.append(.init("required", strings(["params"]))) }
                actionRules.append(.object([
                    "if": .object(["properties": .object(["capability_id": .object(["const": .string(capability.id)]), "verb": .object(["const": .string(verb.name)])]),
                                   "required": strings(["capability_id", "verb"])]),
                    "then": .object(then),
                ]))
            }
        }
        let action = closedObject(required: ["capability_id", "verb"], [
            "capability_id": .object(["enum": strings(catalog.capabilities.map(\.id))]),
            "verb": .object(["type": .string("string")]),
            "params": .object(["type": .string("object"), "default": .object([])]),
            "idempotency": closedObject(["key_hint": .object(["type": strings(["string", "null"]), "default": .null])]),
        ], extra: [.init("allOf", .array(actionRules))])

        let typeRules: [JSON] = TargetType.allCases.map { type in
            .object([
                "if": .object(["properties": .object(["targets": .object(["properties": .object(["target_type": .object(["const": .string(type.rawValue)])])])])]),
                "then": .object(["properties": .object(["actions": .object(["items": .object(["properties": .object([
                    "capability_id": .object(["enum": strings(catalog.capabilities.filter { $0.targetTypes.contains(type) }.map(\.id))]),
                ])])])])]),
            ])
        }

        return .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/policy-v1.schema.json"),
            "title": .string("PolicyOps Policy Spec v1"),
            "description": .string("One policy per file under policies/. `policyops validate` also checks what a schema cannot: declared hosts, the host's driver, selector ranges and the 4,096-target cap, the 30-day limit on durations, and duplicate specs across files."),
            "type": .string("object"),
            "required": strings(["version", "name", "trigger_group", "targets", "actions"]),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "version": .object(["const": .integer(1)]),
                "name": .object(["type": .string("string"), "pattern": .string(policyNamePattern), "minLength": .integer(3),
                                 "description": .string("At least 3 characters besides surrounding white space, on one line, without control or bidirectional-override characters.")]),
                "enabled": .object(["type": .string("boolean"), "default": .bool(true)]),
                "priority": .object(["type": .string("integer"), "minimum": .integer(Int64.min), "maximum": .integer(Int64.max), "default": .integer(0),
                                     "description": .string("Lower runs first; a signed 64-bit integer.")]),
                "stop_on_match": .object(["type": .string("boolean"), "default": .bool(false)]),
                "dynamic_resolution": .object(["type": .string("boolean"), "default": .bool(true)]),
                "trigger_group": closedObject(required: ["triggers"], [
                    "logic": .object(["enum": strings(["ALL", "ANY"]), "default": .string("ANY")]),
                    "triggers": .object(["type": .string("array"), "minItems": .integer(1), "items": .object(["$ref": .string("#/$defs/trigger")])]),
                ]),
                "conditions": closedObject(required: ["all"], ["all": .object(["type": .string("array"), "items": .object(["$ref": .string("#/$defs/condition")])])],
                                           extra: [.init("default", .object(["all": .array([])]))]),
                "targets": closedObject(required: ["host_id", "target_type", "selector"], [
                    "host_id": .object(["type": .string("string"), "pattern": .string(uuidPattern)]),
                    "target_type": .object(["enum": strings(TargetType.allCases.map(\.rawValue))]),
                    "selector": closedObject(required: ["mode", "value"], [
                        "mode": .object(["enum": strings(SelectorMode.allCases.map(\.rawValue))]),
                        "value": .object(["type": .string("string"), "minLength": .integer(1)]),
                    ]),
                ], extra: [.init("allOf", .array(selectorRules()))]),
                "actions": .object(["type": .string("array"), "minItems": .integer(1), "items": .object(["$ref": .string("#/$defs/action")])]),
                "suppression_window": .object(["$ref": .string("#/$defs/duration"), "default": .string("5m")]),
                "idempotency_window": .object(["$ref": .string("#/$defs/duration"), "default": .string("10m")]),
                "notes": .object(["type": .string("string")]),
            ]),
            "additionalProperties": .bool(false),
            "allOf": .array(typeRules),
            "$defs": .object([
                "duration": .object(["type": .string("string"), "pattern": .string(durationPattern),
                                     "description": .string("<integer><unit> groups, units d h m s in that order, each once: 90s, 5m, 1h30m; at most 30 days.")]),
                "time_of_day": .object(["type": .string("string"), "pattern": .string("^([01][0-9]|2[0-3]):[0-5][0-9]$")]),
                "ups_state": .object(["enum": strings(UPSState.allCases.map(\.rawValue))]),
                "event_name": .object(["type": .string("string"), "pattern": .string(namePattern)]),
                "trigger": .object(["oneOf": .array(triggers)]),
                "condition": condition,
                "action": action,
            ]),
        ])
    }

    /// Selector values by target type: the list grammar of its ids, and no `range` mode for names.
    static func selectorRules() -> [JSON] {
        TargetType.allCases.map { type in
            let typeIs: JSON = .object(["target_type": .object(["const": .string(type.rawValue)])])
            if type.idForm == .name {
                return .object([
                    "if": .object(["properties": typeIs, "required": strings(["target_type"])]),
                    "then": .object(["properties": .object(["selector": .object([
                        "properties": .object(["mode": .object(["enum": strings(["list", "query"])])]),
                        "if": .object(["properties": .object(["mode": .object(["const": .string("list")])])]),
                        "then": .object(["properties": .object(["value": .object(["pattern": .string(selectorPattern(type))])])]),
                    ])])]),
                ])
            }
            return .object([
                "if": .object(["properties": typeIs, "required": strings(["target_type"])]),
                "then": .object(["properties": .object(["selector": .object([
                    "if": .object(["properties": .object(["mode": .object(["enum": strings(["list", "range"])])])]),
                    "then": .object(["properties": .object(["value": .object(["pattern": .string(selectorPattern(type))])])]),
                ])])]),
            ])
        }
    }

    // MARK: hosts, UPS, settings

    static func labels() -> JSON {
        .object(["type": .string("object"), "propertyNames": .object(["pattern": .string("^[A-Za-z0-9._/-]{1,63}$")]),
                 "additionalProperties": .object(["type": .string("string"), "pattern": .string(noControlPattern)])])
    }

    static func reference() -> JSON {
        .object(["oneOf": .array([
            closedObject(required: ["secret"], ["secret": .object(["type": .string("string"), "pattern": .string(secretNamePattern)])]),
            closedObject(required: ["env"], ["env": .object(["type": .string("string"), "pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")])]),
            closedObject(required: ["file"], ["file": .object(["type": .string("string"), "pattern": .string("^/")])]),
        ])])
    }

    static func host() -> JSON {
        let value: JSON = .object(["oneOf": .array([.object(["type": .string("string"), "pattern": .string(noControlPattern)]), .object(["$ref": .string("#/$defs/reference")])])])
        let tokenID: JSON = .object(["oneOf": .array([.object(["type": .string("string"), "pattern": .string(tokenIDPattern),
                                                               "description": .string("user@realm!tokenname, such as policyops@pve!reconciler")]),
                                                      .object(["$ref": .string("#/$defs/reference")])])])
        let absolute: JSON = .object(["oneOf": .array([.object(["type": .string("string"), "pattern": .string("^/[^\\u0000-\\u001f]*$")]), .object(["$ref": .string("#/$defs/reference")])])])
        let secret: JSON = .object(["$ref": .string("#/$defs/reference")])
        let url: JSON = .object(["oneOf": .array([.object(["type": .string("string"), "pattern": .string("^https?://[^@/\\s]+(/\\S*)?$")]), .object(["$ref": .string("#/$defs/reference")])])])
        let tls: JSON = .object(["$ref": .string("#/$defs/tls")])
        let headers: JSON = .object(["type": .string("object"), "propertyNames": .object(["pattern": .string("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]), "additionalProperties": value])
        let environment: JSON = .object(["type": .string("object"), "propertyNames": .object(["pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")]), "additionalProperties": value])
        let portList: JSON = .object(["type": .string("string"), "pattern": .string(listPattern(portID, ranges: true))])
        func simTarget(_ types: [TargetType], native: String) -> JSON {
            var then: [JSON.Member] = [.init("properties", .object(["id": .object(["pattern": .string("^(?:\(types.map(\.rawValue).joined(separator: "|"))):\(native)$")])]))]
            if let states = types.first?.states, !states.isEmpty {
                then = [.init("properties", .object(["id": .object(["pattern": .string("^(?:\(types.map(\.rawValue).joined(separator: "|"))):\(native)$")]),
                                                     "state": .object(["enum": strings(states)])])),
                        .init("required", strings(["state"]))]
            } else {
                then.append(.init("not", .object(["required": strings(["state"])])))
            }
            return .object(["if": .object(["properties": .object(["id": .object(["pattern": .string("^(?:\(types.map(\.rawValue).joined(separator: "|"))):")])]),
                                           "required": strings(["id"])]),
                            "then": .object(then)])
        }
        let refreshSLA: JSON = .object(["type": .string("string"), "pattern": .string(refreshSLAPattern),
                                        "description": .string("How long the fast refresh of preflight may take on this host (1s to 60s), instead of the driver's defaults.dry_run_refresh_sla_s.")])
        let connections: [(DriverKind, JSON)] = [
            (.proxmox, closedObject(required: ["url", "node", "token_id", "token_secret"], ["url": url, "node": value, "token_id": tokenID, "token_secret": secret, "tls": tls, "refresh_sla": refreshSLA])),
            (.aoss, closedObject(required: ["url", "username", "password"], [
                "url": url, "api_version": .object(["type": .string("string"), "pattern": .string("^v[0-9][0-9.]*$"), "default": .string("v7")]),
                "username": value, "password": secret,
                "protected_ports": .object(["type": .string("array"), "items": portList]), "tls": tls,
                "refresh_sla": refreshSLA,
            ])),
            (.webhook, closedObject(required: ["url"], ["url": url, "hmac_secret": secret, "headers": headers, "tls": tls])),
            (.exec, closedObject(["working_dir": .object(["type": .string("string"), "pattern": .string("^/[^\\u0000]*$")]), "env": environment])),
            (.sim, closedObject(required: ["targets"], ["refresh_sla": refreshSLA, "targets": .object(["type": .string("array"), "items": closedObject(required: ["id"], [
                "id": .object(["type": .string("string"), "pattern": .string("^(vm|ct|poe-port|endpoint|host):.+$")]),
                "name": .object(["type": .string("string")]),
                "state": .object(["enum": strings(["running", "stopped", "on", "off"])]),
                "labels": .object(["$ref": .string("#/$defs/labels")]),
            ], extra: [.init("allOf", .array([
                simTarget([.vm, .ct], native: numericID), simTarget([.poePort], native: portID), simTarget([.endpoint, .host], native: targetName),
            ]))])])])),
        ]
        return .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/host-v1.schema.json"),
            "title": .string("PolicyOps host declaration"),
            "description": .string("One host per file under hosts/. Secrets are only ever named, {\"secret\": NAME}, and granted in the operator's configuration (the older {\"env\": NAME} and {\"file\": PATH} only where it lists them)."),
            "type": .string("object"),
            "required": strings(["id", "name", "driver", "connection"]),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "id": .object(["type": .string("string"), "pattern": .string(uuidPattern)]),
                "name": .object(["type": .string("string"), "pattern": .string(hostNamePattern),
                                 "description": .string("Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters.")]),
                "driver": .object(["enum": strings(DriverKind.allCases.map(\.rawValue))]),
                "connection": .object(["type": .string("object")]),
                "labels": .object(["$ref": .string("#/$defs/labels")]),
            ]),
            "additionalProperties": .bool(false),
            "allOf": .array(connections.map { driver, schema in
                .object(["if": .object(["properties": .object(["driver": .object(["const": .string(driver.rawValue)])])]),
                         "then": .object(["properties": .object(["connection": schema])])])
            }),
            "$defs": .object([
                "reference": reference(),
                "labels": labels(),
                "tls": closedObject([
                    "ca_file": absolute,
                    "fingerprint_sha256": .object(["type": .string("string"), "pattern": .string("^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$")]),
                    "insecure": .object(["type": .string("boolean"), "default": .bool(false),
                                         "description": .string("Turns verification off; it contradicts ca_file and fingerprint_sha256.")]),
                ], extra: [
                    .init("if", .object(["properties": .object(["insecure": .object(["const": .bool(true)])]), "required": strings(["insecure"])])),
                    .init("then", .object(["not": .object(["anyOf": .array([.object(["required": strings(["ca_file"])]), .object(["required": strings(["fingerprint_sha256"])])])])])),
                ]),
            ]),
        ])
    }

    static func ups() -> JSON {
        .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/ups-v1.schema.json"),
            "title": .string("PolicyOps UPS declaration"),
            "type": .string("object"),
            "required": strings(["id", "nut"]),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "id": .object(["type": .string("string"), "pattern": .string(namePattern)]),
                "nut": closedObject(required: ["host", "ups"], [
                    "host": .object(["type": .string("string"), "minLength": .integer(1)]),
                    "port": .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(65535), "default": .integer(3493)]),
                    "ups": .object(["type": .string("string"), "pattern": .string(namePattern)]),
                    "username": .object(["oneOf": .array([.object(["type": .string("string")]), reference()])]),
                    "password": reference(),
                ]),
                "poll": .object(["type": .string("string"), "pattern": .string(pollPattern), "default": .string("2s"),
                                 "description": .string("How often upsd is asked: a duration from 1s to 1h.")]),
                "labels": labels(),
            ]),
            "additionalProperties": .bool(false),
        ])
    }

    static func settings() -> JSON {
        let globs: JSON = .object(["type": .string("array"), "minItems": .integer(1), "items": .object(["type": .string("string"), "pattern": .string(segmentsPattern("[^/\\\\]+"))])])
        return .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/settings-v1.schema.json"),
            "title": .string("PolicyOps repository settings (policyops.json)"),
            "type": .string("object"),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "policies": globs, "hosts": globs, "ups": globs,
                "defaults": closedObject(["suppression_window": .object(["type": .string("string"), "pattern": .string(durationPattern)]),
                                          "idempotency_window": .object(["type": .string("string"), "pattern": .string(durationPattern)])]),
                "timezone": .object(["type": .string("string"), "pattern": .string(timeZonePattern), "default": .string("UTC"),
                                     "description": .string("An IANA time zone name the system knows, such as Europe/Berlin (validate checks the system's list).")]),
                "hook": closedObject([
                    "refs": .object(["type": .string("array"), "items": .object(["type": .string("string"), "pattern": .string("^refs/(?![\\s\\S]*\\.\\.)")])]),
                    "path": .object(["type": .string("string"), "pattern": .string(segmentsPattern("[^/]+")),
                                     "description": .string("The policy repository's folder inside the git repository, relative, without . or .. segments, such as ops.")]),
                ]),
            ]),
            "additionalProperties": .bool(false),
        ])
    }

    /// The operator's configuration (`/etc/policyops/config.json`).
    static func configuration() -> JSON {
        let absolute: JSON = .object(["type": .string("string"), "pattern": .string("^/(?![\\s\\S]*(?:^|/)\\.\\.?(?:/|$))[^\\u0000]*[^/\\u0000]$")])
        let field: JSON = .object(["type": .string("string"), "pattern": .string("^[A-Za-z0-9_]+(?:\\.[A-Za-z0-9_-]{1,128})?$")])
        let secret = closedObject(required: ["fields"], [
            "env": .object(["type": .string("string"), "pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")]),
            "file": .object(["type": .string("string"), "pattern": .string("^/[^\\u0000]*$")]),
            "hosts": .object(["type": .string("array"), "items": .object(["type": .string("string"), "pattern": .string(uuidPattern)])]),
            "ups": .object(["type": .string("array"), "items": .object(["type": .string("string"), "pattern": .string(namePattern)])]),
            "fields": .object(["type": .string("array"), "minItems": .integer(1), "items": field]),
        ], extra: [.init("oneOf", .array([.object(["required": strings(["env"])]), .object(["required": strings(["file"])])])),
                    .init("anyOf", .array([.object(["required": strings(["hosts"])]), .object(["required": strings(["ups"])])]))])
        return .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/config-v1.schema.json"),
            "title": .string("PolicyOps operator configuration"),
            "description": .string("What the policy repository may ask for, granted by the operator outside it: secrets by name, exec programs, network destinations, the hook's refs."),
            "type": .string("object"),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "secrets": .object(["type": .string("object"), "propertyNames": .object(["pattern": .string(secretNamePattern)]),
                                    "additionalProperties": secret]),
                "exec": closedObject([
                    "allow": .object(["type": .string("array"), "items": absolute,
                                      "description": .string("Programs exec may run, by absolute path; argv[0] must be one of them.")]),
                    "user": .object(["type": .string("string"), "pattern": .string("^(?!root$)(?!0$)[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$"),
                                     "description": .string("The user programs run as; never root.")]),
                ]),
                "network": closedObject([
                    "allow": .object(["type": .string("array"), "items": .object(["type": .string("string"), "minLength": .integer(1)]),
                                      "description": .string("Address ranges (10.0.0.0/8, fd00::/8, 192.168.1.20) and host names (pve-1.lab.example, *.lab.example) drivers may reach.")]),
                    "allow_loopback": .object(["type": .string("boolean"), "default": .bool(false)]),
                ]),
                "hook": closedObject([
                    "refs": .object(["type": .string("array"), "minItems": .integer(1),
                                     "items": .object(["type": .string("string"), "pattern": .string("^refs/(?![\\s\\S]*\\.\\.)[^\\u0000-\\u0020\\u007f\"'\\\\,]+$")])]),
                    "run_tests": .object(["type": .string("boolean"), "default": .bool(false)]),
                ]),
            ]),
            "additionalProperties": .bool(false),
        ])
    }
}
