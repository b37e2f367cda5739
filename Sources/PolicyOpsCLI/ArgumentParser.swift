/// One option a command accepts.
struct OptionSpec: Sendable {
    /// The long name without dashes (`repo` for `--repo`).
    var name: String
    /// The value's name in help (`DIR`), nil for a flag.
    var valueName: String?
    /// One line of help.
    var help: String
    /// The accepted values, when the option takes one of a few words.
    var choices: [String] = []
    /// True when the option may be given more than once.
    var repeatable = false

    static func value(_ name: String, _ valueName: String, _ help: String, choices: [String] = [], repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, choices: choices, repeatable: repeatable)
    }

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
}

/// A positional argument.
struct ArgumentSpec: Sendable {
    var name: String
    var help: String
    var optional = false
    var repeatable = false
}

/// What a command accepts, for parsing and for help.
struct CommandSpec: Sendable {
    var name: String
    var overview: String
    var arguments: [ArgumentSpec] = []
    var options: [OptionSpec] = []
    var discussion: String = ""

    var usage: String {
        var parts = ["policyops", name]
        for o in options {
            let text = "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            parts.append("[\(text)]")
        }
        for a in arguments {
            let text = a.name + (a.repeatable ? " ..." : "")
            parts.append(a.optional ? "[\(text)]" : text)
        }
        return parts.joined(separator: " ")
    }

    var help: String {
        var out = "OVERVIEW: \(overview)\n\nUSAGE: \(usage)\n"
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for a in arguments { out += "  " + a.name.padded(to: 22) + a.help + "\n" }
        }
        out += "\nOPTIONS:\n"
        for o in options {
            var left = "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            left = left.padded(to: 22)
            var help = o.help
            if !o.choices.isEmpty { help += " (\(o.choices.joined(separator: "|")))" }
            out += "  " + left + help + "\n"
        }
        out += "  " + "-h, --help".padded(to: 22) + "Show help information.\n"
        if !discussion.isEmpty { out += "\n" + discussion + "\n" }
        return out
    }
}

/// A mistake on the command line: printed with the usage line, exit status 2.
struct UsageError: Error {
    var message: String
    var command: CommandSpec?
}

/// The parsed command line of one command.
struct ParsedArguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    var helpRequested = false

    /// The value of a single-valued option.
    func value(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable option.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// True when a flag was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// Parses `arguments` (after the command name) against `spec`, as swift-argument-parser
    /// does: `--opt value`, `--opt=value`, `--` ends options.
    static func parse(_ arguments: [String], spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
                parsed.positionals.append(arg)
                continue
            }
            if arg == "--" {
                optionsEnded = true
                continue
            }
            if arg == "-h" || arg == "--help" {
                parsed.helpRequested = true
                continue
            }
            guard arg.hasPrefix("--") else {
                throw UsageError(message: "Unknown option '\(arg)'", command: spec)
            }
            var name = String(arg.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError(message: "Unknown option '--\(name)'", command: spec)
            }
            if option.valueName == nil {
                if inline != nil { throw UsageError(message: "Option '--\(name)' takes no value", command: spec) }
                parsed.flags.insert(name)
                continue
            }
            var value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.count else {
                    throw UsageError(message: "Missing value for '--\(name) <\(option.valueName!.lowercased())>'", command: spec)
                }
                value = arguments[i]
                i += 1
            }
            if !option.choices.isEmpty && !option.choices.contains(value) {
                throw UsageError(message: "The value '\(value)' is invalid for '--\(name)'; use one of \(option.choices.joined(separator: ", "))", command: spec)
            }
            if !option.repeatable && parsed.values[name] != nil {
                throw UsageError(message: "Option '--\(name)' is given more than once", command: spec)
            }
            parsed.values[name, default: []].append(value)
            value = ""
        }
        if parsed.helpRequested { return parsed }
        let required = spec.arguments.filter { !$0.optional }
        if parsed.positionals.count < required.count {
            throw UsageError(message: "Missing expected argument '\(required[parsed.positionals.count].name)'", command: spec)
        }
        let maximum = spec.arguments.contains { $0.repeatable } ? Int.max : spec.arguments.count
        if parsed.positionals.count > maximum {
            throw UsageError(message: "Unexpected argument '\(parsed.positionals[maximum])'", command: spec)
        }
        return parsed
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
