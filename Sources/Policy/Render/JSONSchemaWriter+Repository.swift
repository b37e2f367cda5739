/// The schemas of the other files of a policy repository: hosts, UPSes and `policyops.json`.
extension JSONSchemaWriter {
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
}
