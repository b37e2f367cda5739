/// The schema of policy files.
extension JSONSchemaWriter {
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
}
