import Policy

/// `policyops schema`: the JSON Schema editors use for live validation.
enum SchemaCommand: Command {
    static let spec = CommandSpec(
        name: "schema",
        overview: "Print the JSON Schema (2020-12) of policy files, for editors' live validation.",
        options: [.value("kind", "KIND", "Which file's schema (default: policy).", choices: JSONSchemaWriter.Kind.allCases.map(\.rawValue))],
        discussion: "Point a policy file at the schema with \"$schema\"; example-repo/ keeps a copy as policy-v1.schema.json.")

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let kind = JSONSchemaWriter.Kind(rawValue: arguments.value("kind") ?? "policy")!
        context.console.print(JSONSchemaWriter.schema(kind).pretty(), terminator: "")
        return .success
    }
}
