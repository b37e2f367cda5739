extension OperatorConfiguration {
    /// Reads the operator's configuration from `bytes` (the file at `path`). Anything wrong
    /// is a PO4006 blocker (or the JSON reader's code) at its line, column and pointer, and
    /// the strictest defaults stand in for the part that is wrong.
    public static func read(bytes: [UInt8], path: String) -> (OperatorConfiguration, [Diagnostic]) {
        let checker = DocumentChecker(file: path, bytes: bytes)
        var config = OperatorConfiguration.strictest
        config.path = path
        guard let document = checker.readJSON(), let root = checker.fields(document, at: .root, what: "the operator's configuration") else {
            return (config, checker.diagnostics)
        }
        root.rejectUnknown(allowed: ["$schema", "secrets", "exec", "network", "hook"], what: "the operator's configuration")
        _ = root.string("$schema")
        if let secrets = root.object("secrets") { config.secrets = readSecrets(secrets, checker) }
        if let exec = root.object("exec") { config.exec = readExec(exec, checker) }
        if let network = root.object("network") { config.network = readNetwork(network, checker) }
        if let hook = root.object("hook") { config.hook = readHook(hook, checker) }
        return (config, checker.diagnostics)
    }

    static func readSecrets(_ secrets: ObjectFields, _ checker: DocumentChecker) -> [String: SecretGrant] {
        var out: [String: SecretGrant] = [:]
        for member in secrets.members {
            let name = member.key, pointer = secrets.pointer.appending(name)
            guard validSecretName(name) else {
                checker.report(.invalidConfiguration, member.value, pointer,
                               "\"\(name.terminalSafe)\" is not a secret name; names are 1–64 letters, digits, '.', '_' and '-'")
                continue
            }
            guard let s = checker.fields(member.value, at: pointer, what: "the secret \"\(name)\"") else { continue }
            // A secret with anything wrong is granted to nobody.
            let before = checker.diagnostics.count
            s.rejectUnknown(allowed: ["env", "file", "hosts", "ups", "fields"], what: "a secret")
            var source: SecretReference?
            switch (s.string("env"), s.string("file")) {
            case (let env?, nil):
                if HostDeclarationReader.validEnvironmentName(env) { source = .env(env) } else {
                    checker.report(.invalidConfiguration, s.member("env")!.value, pointer.appending("env"),
                                   "\"\(env.terminalSafe)\" is not an environment variable name; names are letters, digits and '_', not starting with a digit")
                }
            case (nil, let file?):
                if file.hasPrefix("/"), !file.utf8.contains(0) { source = .file(file) } else {
                    checker.report(.invalidConfiguration, s.member("file")!.value, pointer.appending("file"), "\"file\" must be an absolute path")
                }
            case (.some, .some):
                checker.report(.invalidConfiguration, member.value, pointer, "a secret comes from one source: \"env\" or \"file\", not both")
            case (nil, nil):
                if !s.has("env"), !s.has("file") {
                    checker.report(.missingField, member.value, pointer, "the secret \"\(name)\" needs a source: \"env\": NAME or \"file\": PATH")
                }
            }
            let hosts = strings(s, "hosts", checker, allowEmpty: true) { text in
                HostID.normalize(text).map { .success($0) } ?? .failure("host ids are UUIDs such as \"8c1c9a2e-5d6f-4b7a-9e2d-3f4a5b6c7d8e\"")
            }
            let ups = strings(s, "ups", checker, allowEmpty: true) { text in
                SelectorParser.validName(text[...]) ? .success(text) : .failure("UPS ids are those of ups/, such as \"ups-main\"")
            }
            if !s.has("fields") {
                checker.report(.missingField, member.value, pointer, "the secret \"\(name)\" names no \"fields\": list the connection fields that may hold it, such as \"token_secret\"")
            }
            if !s.has("hosts"), !s.has("ups") {
                checker.report(.missingField, member.value, pointer, "the secret \"\(name)\" is granted to nobody: list the host ids that may use it in \"hosts\" (or UPS ids in \"ups\")")
            }
            let fields = strings(s, "fields", checker) { text in
                validField(text) ? .success(text) : .failure("fields are connection keys such as \"token_secret\", \"password\", \"hmac_secret\", \"url\", \"tls.ca_file\", \"headers.NAME\" or \"env.NAME\"")
            }
            guard let source, let fields, hosts != nil || ups != nil, checker.diagnostics.count == before else { continue }
            out[name] = SecretGrant(source: source, hosts: Set(hosts ?? []), ups: Set(ups ?? []), fields: Set(fields))
        }
        return out
    }

    static func readExec(_ exec: ObjectFields, _ checker: DocumentChecker) -> ExecGrant {
        exec.rejectUnknown(allowed: ["allow", "user"], what: "\"exec\"")
        var grant = ExecGrant.none
        grant.allow = strings(exec, "allow", checker, allowEmpty: true) { text in
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard text.hasPrefix("/"), text.count > 1, !text.hasSuffix("/"), !text.utf8.contains(0),
                  !parts.dropFirst().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                return .failure("programs are absolute paths such as \"/usr/local/sbin/site-shutdown\", without . or ..")
            }
            return .success(text)
        } ?? []
        if let user = exec.string("user") {
            if user == "root" || user == "0" {
                checker.report(.invalidConfiguration, exec.member("user")!.value, exec.pointer.appending("user"),
                               "exec never runs as root; name an unprivileged user such as \"policyops-exec\"")
            } else if !validUserName(user) {
                checker.report(.invalidConfiguration, exec.member("user")!.value, exec.pointer.appending("user"),
                               "\"\(user.terminalSafe)\" is not a user name")
            } else {
                grant.user = user
            }
        }
        return grant
    }

    static func readNetwork(_ network: ObjectFields, _ checker: DocumentChecker) -> NetworkAllowList {
        network.rejectUnknown(allowed: ["allow", "allow_loopback"], what: "\"network\"")
        var ranges: [NetworkRange] = [], names: [String] = []
        _ = strings(network, "allow", checker, allowEmpty: true) { text in
            if let range = NetworkRange.parse(text) { ranges.append(range); return .success(text) }
            if validHostPattern(text) { names.append(text.lowercased()); return .success(text) }
            return .failure("\"\(text.terminalSafe)\" is neither an address range (\"10.0.0.0/8\", \"fd00::/8\", \"192.168.1.20\") nor a host name (\"pve-1.lab.example\", \"*.lab.example\")")
        }
        return NetworkAllowList(ranges: ranges, names: names, allowLoopback: network.bool("allow_loopback") ?? false)
    }

    static func readHook(_ hook: ObjectFields, _ checker: DocumentChecker) -> HookSettings {
        hook.rejectUnknown(allowed: ["refs", "run_tests"], what: "\"hook\"")
        let refs = strings(hook, "refs", checker) { text in
            HookSettings.isRefPattern(text) ? .success(text) : .failure("guarded refs are patterns such as \"refs/heads/main\" or \"refs/heads/release/*\"")
        }
        return HookSettings(refs: refs, runTests: hook.bool("run_tests") ?? false)
    }

    /// The strings of array `key`, each checked by `accept`; nil when the key is absent or
    /// every element is wrong. An empty array is reported unless `allowEmpty`.
    static func strings(_ object: ObjectFields, _ key: String, _ checker: DocumentChecker, allowEmpty: Bool = false,
                        _ accept: (String) -> Result<String, Failure>) -> [String]? {
        guard let elements = object.array(key) else { return nil }
        if elements.isEmpty, !allowEmpty {
            checker.report(.emptyList, object.member(key)!.value, object.pointer.appending(key), "\"\(key)\" is empty; give at least one")
            return nil
        }
        var out: [String] = []
        for (i, e) in elements.enumerated() {
            let pointer = object.pointer.appending(key).appending(index: i)
            guard case .string(let s) = e.kind else {
                checker.report(.wrongType, e, pointer, "\"\(key)\" holds strings, found \(e.typeDescription)")
                continue
            }
            switch accept(s) {
            case .success(let value): out.append(value)
            case .failure(let failure): checker.report(.invalidConfiguration, e, pointer, failure.message)
            }
        }
        return out.isEmpty && !elements.isEmpty ? nil : out
    }

    struct Failure: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        var message: String
        init(stringLiteral value: String) { message = value }
        init(stringInterpolation: DefaultStringInterpolation) { message = stringInterpolation.description }
    }

    static func validSecretName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { SelectorParser.isAlnum($0) || "._-".utf8.contains($0) }
    }

    /// `token_secret`, `tls.ca_file`, `headers.X-Api-Key`, `env.API_KEY`.
    static func validField(_ field: String) -> Bool {
        let parts = field.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let key = parts[0]
        guard !key.isEmpty, key.utf8.allSatisfy({ SelectorParser.isAlnum($0) || $0 == UInt8(ascii: "_") }) else { return false }
        guard parts.count == 2 else { return true }
        let sub = parts[1]
        return !sub.isEmpty && sub.utf8.count <= 128 && sub.utf8.allSatisfy { SelectorParser.isAlnum($0) || "_-".utf8.contains($0) }
    }

    static func validUserName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 32, first != UInt8(ascii: "-") else { return false }
        return name.utf8.allSatisfy { SelectorParser.isAlnum($0) || "._-".utf8.contains($0) }
    }

    /// `pve-1.lab.example`, `pve-1` or `*.lab.example`.
    static func validHostPattern(_ text: String) -> Bool {
        var name = Substring(text)
        if name.hasPrefix("*.") { name = name.dropFirst(2) }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { SelectorParser.isAlnum($0) || $0 == UInt8(ascii: "-") }
        } && !name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }
    }
}
