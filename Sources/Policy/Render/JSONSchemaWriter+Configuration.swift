/// The schema of the operator's configuration, which lives outside the repository.
extension JSONSchemaWriter {
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
