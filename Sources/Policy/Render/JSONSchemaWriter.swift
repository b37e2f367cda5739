/// JSON Schema 2020-12 documents for the files of a policy repository, generated from the
/// same catalog and rules the validator uses, so editors validate as `policyops validate`
/// does for everything a schema can express (cross-file checks, the 30-day limit on
/// durations and the selector's expansion are left to `validate`).
public enum JSONSchemaWriter {
    /// Which schema.
    public enum Kind: String, Sendable, CaseIterable {
        case policy, host, ups, settings
    }

    /// The schema of one kind of file.
    public static func schema(_ kind: Kind, catalog: CapabilityCatalog = .builtIn) -> JSON {
        switch kind {
        case .policy: return policy(catalog)
        case .host: return host()
        case .ups: return ups()
        case .settings: return settings()
        }
    }

    static let draft = JSON.string("https://json-schema.org/draft/2020-12/schema")
    static let durationPattern = "^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
    static let uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    static let namePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

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
                                  .init("items", .object(["type": .string("string"), "minLength": .integer(1)]))]
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
                "name": .object(["type": .string("string"), "pattern": .string("^[^\\u0000-\\u001f]*$"), "minLength": .integer(3)]),
                "enabled": .object(["type": .string("boolean"), "default": .bool(true)]),
                "priority": .object(["type": .string("integer"), "default": .integer(0), "description": .string("Lower runs first; a signed 64-bit integer.")]),
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
                ]),
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

    // MARK: hosts, UPS, settings

    static func reference() -> JSON {
        .object(["oneOf": .array([
            closedObject(required: ["env"], ["env": .object(["type": .string("string"), "pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")])]),
            closedObject(required: ["file"], ["file": .object(["type": .string("string"), "pattern": .string("^/")])]),
        ])])
    }

    static func host() -> JSON {
        let value: JSON = .object(["oneOf": .array([.object(["type": .string("string")]), .object(["$ref": .string("#/$defs/reference")])])])
        let secret: JSON = .object(["$ref": .string("#/$defs/reference")])
        let url: JSON = .object(["oneOf": .array([.object(["type": .string("string"), "pattern": .string("^https?://[^@/\\s]+(/\\S*)?$")]), .object(["$ref": .string("#/$defs/reference")])])])
        let tls: JSON = .object(["$ref": .string("#/$defs/tls")])
        let stringMap: JSON = .object(["type": .string("object"), "additionalProperties": value])
        let refreshSLA: JSON = .object(["type": .string("string"), "pattern": .string(durationPattern),
                                        "description": .string("How long the fast refresh of preflight may take on this host (1s to 60s), instead of the driver's defaults.dry_run_refresh_sla_s.")])
        let connections: [(DriverKind, JSON)] = [
            (.proxmox, closedObject(required: ["url", "node", "token_id", "token_secret"], ["url": url, "node": value, "token_id": value, "token_secret": secret, "tls": tls, "refresh_sla": refreshSLA])),
            (.aoss, closedObject(required: ["url", "username", "password"], [
                "url": url, "api_version": .object(["type": .string("string"), "pattern": .string("^v[0-9][0-9.]*$"), "default": .string("v7")]),
                "username": value, "password": secret,
                "protected_ports": .object(["type": .string("array"), "items": .object(["type": .string("string")])]), "tls": tls,
                "refresh_sla": refreshSLA,
            ])),
            (.webhook, closedObject(required: ["url"], ["url": url, "hmac_secret": secret, "headers": stringMap, "tls": tls])),
            (.exec, closedObject(["working_dir": .object(["type": .string("string"), "pattern": .string("^/")]), "env": stringMap])),
            (.sim, closedObject(required: ["targets"], ["refresh_sla": refreshSLA, "targets": .object(["type": .string("array"), "items": closedObject(required: ["id"], [
                "id": .object(["type": .string("string"), "pattern": .string("^(vm|ct|poe-port|endpoint|host):.+$")]),
                "name": .object(["type": .string("string")]),
                "state": .object(["enum": strings(["running", "stopped", "on", "off"])]),
                "labels": .object(["$ref": .string("#/$defs/labels")]),
            ])])])),
        ]
        return .object([
            "$schema": draft,
            "$id": .string("https://policyops.dev/schemas/host-v1.schema.json"),
            "title": .string("PolicyOps host declaration"),
            "description": .string("One host per file under hosts/. Secrets are only ever {\"env\": NAME} or {\"file\": PATH}."),
            "type": .string("object"),
            "required": strings(["id", "name", "driver", "connection"]),
            "properties": .object([
                "$schema": .object(["type": .string("string")]),
                "id": .object(["type": .string("string"), "pattern": .string(uuidPattern)]),
                "name": .object(["type": .string("string"), "pattern": .string(namePattern)]),
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
                "labels": .object(["type": .string("object"), "propertyNames": .object(["pattern": .string("^[A-Za-z0-9._/-]{1,63}$")]),
                                   "additionalProperties": .object(["type": .string("string")])]),
                "tls": closedObject([
                    "ca_file": value,
                    "fingerprint_sha256": .object(["type": .string("string"), "pattern": .string("^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$")]),
                    "insecure": .object(["type": .string("boolean"), "default": .bool(false)]),
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
                "poll": .object(["type": .string("string"), "pattern": .string(durationPattern), "default": .string("2s")]),
                "labels": .object(["type": .string("object"), "additionalProperties": .object(["type": .string("string")])]),
            ]),
            "additionalProperties": .bool(false),
        ])
    }

    static func settings() -> JSON {
        let globs: JSON = .object(["type": .string("array"), "minItems": .integer(1), "items": .object(["type": .string("string"), "pattern": .string("^[^/]")])])
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
                "timezone": .object(["type": .string("string"), "default": .string("UTC")]),
                "hook": closedObject([
                    "refs": .object(["type": .string("array"), "items": .object(["type": .string("string"), "pattern": .string("^refs/")])]),
                    "path": .object(["type": .string("string"), "pattern": .string("^[^/]")]),
                ]),
            ]),
            "additionalProperties": .bool(false),
        ])
    }
}
