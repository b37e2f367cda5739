/// Reading a host's `connection`: per driver, its values, secret references, URLs and TLS settings.
extension HostDeclarationReader {
    // MARK: connection

    func readConnection(_ c: ObjectFields, driver: DriverKind) -> HostConnection? {
        switch driver {
        case .proxmox:
            c.rejectUnknown(allowed: ["url", "node", "token_id", "token_secret", "tls", "refresh_sla"], what: "a proxmox connection")
            let url = readURL(c, "url")
            let node = readValue(c, "node", required: true)
            let tokenID = readValue(c, "token_id", required: true)
            if case .literal(let text)? = tokenID, !Self.validTokenID(text) {
                checker.report(.invalidValue, c.member("token_id")!.value, c.pointer.appending("token_id"),
                               "\"token_id\" is \"\(text)\"; a Proxmox API token id looks like user@realm!tokenname, such as policyops@pve!reconciler")
            }
            let secret = readSecret(c, "token_secret", required: true)
            let tls = readTLS(c)
            guard let url, let node, let tokenID, let secret, let tls, !checker.hasBlocker else { return nil }
            return .proxmox(url: url, node: node, tokenID: tokenID, tokenSecret: secret, tls: tls)
        case .aoss:
            c.rejectUnknown(allowed: ["url", "api_version", "username", "password", "protected_ports", "tls", "refresh_sla"], what: "an aoss connection")
            let url = readURL(c, "url")
            var apiVersion = "v7"
            if let v = c.string("api_version") {
                if Self.validAPIVersion(v) { apiVersion = v } else {
                    checker.report(.invalidValue, c.member("api_version")!.value, c.pointer.appending("api_version"),
                                   "\"api_version\" is \"\(v)\"; AOS-S REST versions look like v3 ... v8 (v7 by default)")
                }
            }
            let username = readValue(c, "username", required: true)
            let password = readSecret(c, "password", required: true)
            let ports = readProtectedPorts(c)
            let tls = readTLS(c)
            guard let url, let username, let password, let ports, let tls, !checker.hasBlocker else { return nil }
            return .aoss(url: url, apiVersion: apiVersion, username: username, password: password, protectedPorts: ports, tls: tls)
        case .webhook:
            c.rejectUnknown(allowed: ["url", "hmac_secret", "headers", "tls"], what: "a webhook connection")
            let url = readURL(c, "url")
            let secret = c.has("hmac_secret") ? readSecret(c, "hmac_secret", required: true) : nil
            let headers = readStringMap(c, "headers", keyKind: .header)
            let tls = readTLS(c)
            guard let url, let headers, let tls, !checker.hasBlocker else { return nil }
            return .webhook(url: url, hmacSecret: secret, headers: headers, tls: tls)
        case .exec:
            c.rejectUnknown(allowed: ["working_dir", "env"], what: "an exec connection")
            var workingDirectory: String?
            if let dir = c.string("working_dir") {
                if dir.hasPrefix("/") && !dir.utf8.contains(0) { workingDirectory = dir } else {
                    checker.report(.invalidValue, c.member("working_dir")!.value, c.pointer.appending("working_dir"),
                                   "\"working_dir\" is \"\(dir)\"; it must be an absolute path")
                }
            }
            let env = readStringMap(c, "env", keyKind: .environment)
            guard let env, !checker.hasBlocker else { return nil }
            return .exec(workingDirectory: workingDirectory, environment: env)
        case .sim:
            c.rejectUnknown(allowed: ["targets", "refresh_sla"], what: "a sim connection")
            guard let targets = readSimTargets(c), !checker.hasBlocker else { return nil }
            return .sim(targets: targets)
        }
    }

    /// Drivers whose hosts are refreshed (the others discover nothing, so an SLA means nothing).
    public static let refreshedDrivers: Set<DriverKind> = [.proxmox, .aoss, .sim]

    /// `refresh_sla`: a duration within `HostDeclaration.refreshSLABounds`, on a refreshed host.
    func readRefreshSLA(_ c: ObjectFields, driver: DriverKind) -> PolicyDuration? {
        guard c.has("refresh_sla"), Self.refreshedDrivers.contains(driver) else { return nil }
        guard let sla = c.duration("refresh_sla") else { return nil }
        let bounds = HostDeclaration.refreshSLABounds
        guard bounds.contains(sla) else {
            checker.report(.invalidValue, c.member("refresh_sla")!.value, c.pointer.appending("refresh_sla"),
                           "\"refresh_sla\" is \"\(sla)\"; the fast refresh of preflight may take from \(bounds.lowerBound) to \(bounds.upperBound), such as \"10s\"")
            return nil
        }
        return sla
    }

    static func validTokenID(_ text: String) -> Bool {
        guard let at = text.firstIndex(of: "@"), let bang = text.lastIndex(of: "!"), at < bang else { return false }
        let user = text[..<at], realm = text[text.index(after: at)..<bang], token = text[text.index(after: bang)...]
        let bad: (Character) -> Bool = { $0.isWhitespace || $0 == "@" || $0 == "!" }
        return !user.isEmpty && !realm.isEmpty && !token.isEmpty && !user.contains(where: bad) && !realm.contains(where: bad)
            && SelectorParser.validName(token)
    }

    static func validAPIVersion(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 2, b.count <= 6, b[0] == UInt8(ascii: "v") else { return false }
        return b.dropFirst().allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }
            && b[1] != UInt8(ascii: ".")
    }

    /// A connection value: a string, or a reference (`{"secret"}`, or the older `{"env"}` / `{"file"}`).
    func readValue(_ c: ObjectFields, _ key: String, required: Bool) -> ConnectionValue? {
        guard let v = c.value(key, required: required) else { return nil }
        switch v.kind {
        case .string(let s):
            if s.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                checker.report(.invalidValue, v, c.pointer.appending(key), "\"\(key)\" contains a control character")
                return nil
            }
            return .literal(s)
        case .object:
            return readReference(v, pointer: c.pointer.appending(key), key: key).map(ConnectionValue.reference)
        default:
            c.wrongType(key, v, expected: "a string or {\"secret\": NAME}")
            return nil
        }
    }

    /// A secret: only ever a reference. A literal is a blocker whose message never repeats it.
    func readSecret(_ c: ObjectFields, _ key: String, required: Bool) -> SecretReference? {
        guard let v = c.value(key, required: required) else { return nil }
        switch v.kind {
        case .string:
            checker.report(.inlineSecret, v, c.pointer.appending(key),
                           "\"\(key)\" is a secret written into the repository; secrets never live in git: write {\"secret\": \"NAME\"}, grant NAME to this host and field in the operator's configuration (and rotate the exposed value)")
            return nil
        case .object:
            return readReference(v, pointer: c.pointer.appending(key), key: key)
        default:
            c.wrongType(key, v, expected: "{\"secret\": NAME}")
            return nil
        }
    }

    func readReference(_ v: JSONValue, pointer: JSONPointer, key: String) -> SecretReference? {
        guard let r = checker.fields(v, at: pointer, what: "\"\(key)\"") else { return nil }
        let sources = ["secret", "env", "file"]
        r.rejectUnknown(allowed: sources, what: "a reference (write {\"secret\": NAME}, granted in the operator's configuration)")
        let given = sources.filter { r.has($0) }
        guard given.count == 1 else {
            if given.count > 1 {
                checker.report(.invalidValue, v, pointer, "a reference names one source: \(given.map { "\"\($0)\"" }.joined(separator: " or ")), not more")
            } else if !r.members.contains(where: { !sources.contains($0.key) }) {
                checker.report(.missingField, v, pointer, "a reference needs \"secret\": NAME (or the older \"env\" or \"file\")")
            }
            return nil
        }
        switch given[0] {
        case "secret":
            guard let name = r.string("secret") else { return nil }
            guard OperatorConfiguration.validSecretName(name) else {
                checker.report(.invalidValue, r.member("secret")!.value, pointer.appending("secret"),
                               "\"\(name.terminalSafe)\" is not a secret name; names are 1–64 letters, digits, '.', '_' and '-'")
                return nil
            }
            return .named(name)
        case "env":
            guard let name = r.string("env") else { return nil }
            guard Self.validEnvironmentName(name) else {
                checker.report(.invalidValue, r.member("env")!.value, pointer.appending("env"),
                               "\"\(name)\" is not an environment variable name; names are letters, digits and '_', not starting with a digit")
                return nil
            }
            return .env(name)
        default:
            guard let path = r.string("file") else { return nil }
            guard path.hasPrefix("/"), !path.utf8.contains(0) else {
                checker.report(.invalidValue, r.member("file")!.value, pointer.appending("file"), "\"file\" must be an absolute path, found \"\(path)\"")
                return nil
            }
            return .file(path)
        }
    }

    static func validEnvironmentName(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard let first = b.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return b.allSatisfy { SelectorParser.isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    func readURL(_ c: ObjectFields, _ key: String) -> ConnectionValue? {
        guard let value = readValue(c, key, required: true) else { return nil }
        if case .literal(let text) = value {
            switch EndpointURL.parse(text) {
            case .failure(let reason):
                checker.report(.invalidURL, c.member(key)!.value, c.pointer.appending(key), "\"\(key)\" is \"\(EndpointURL.redactingCredentials(text))\": \(reason.message)")
                return nil
            case .success(let url):
                if url.scheme == "http" {
                    checker.report(.insecureTLS, c.member(key)!.value, c.pointer.appending(key),
                                   "\"\(key)\" uses plain http: credentials and commands cross the network unencrypted; use https")
                }
            }
        }
        return value
    }

    func readTLS(_ c: ObjectFields) -> TLSSettings? {
        guard c.has("tls") else { return .standard }
        guard let t = c.object("tls") else { return nil }
        t.rejectUnknown(allowed: ["ca_file", "fingerprint_sha256", "insecure"], what: "\"tls\"")
        var caFile: ConnectionValue?
        if t.has("ca_file") {
            caFile = readValue(t, "ca_file", required: true)
            if case .literal(let path)? = caFile, !path.hasPrefix("/") {
                checker.report(.invalidValue, t.member("ca_file")!.value, t.pointer.appending("ca_file"), "\"ca_file\" must be an absolute path, found \"\(path)\"")
                return nil
            }
        }
        var fingerprint: [UInt8]?
        if let text = t.string("fingerprint_sha256") {
            fingerprint = Self.parseFingerprint(text)
            if fingerprint == nil {
                checker.report(.invalidFingerprint, t.member("fingerprint_sha256")!.value, t.pointer.appending("fingerprint_sha256"),
                               "\"fingerprint_sha256\" must be the certificate's SHA-256 fingerprint: 32 bytes in hex, as AB:CD:... (openssl x509 -noout -fingerprint -sha256)")
                return nil
            }
        }
        let insecure = t.bool("insecure") ?? false
        if insecure {
            if caFile != nil || fingerprint != nil {
                checker.report(.invalidValue, t.member("insecure")!.value, t.pointer.appending("insecure"),
                               "\"insecure\": true turns verification off, which contradicts ca_file and fingerprint_sha256; keep one")
                return nil
            }
            checker.report(.insecureTLS, t.member("insecure")!.value, t.pointer.appending("insecure"),
                           "TLS verification is off for this host: anyone on the network path can impersonate it; pin its certificate with fingerprint_sha256 instead")
        }
        return TLSSettings(caFile: caFile, fingerprintSHA256: fingerprint, insecure: insecure)
    }

    /// 32 bytes as `AB:CD:...` or as 64 hex digits.
    public static func parseFingerprint(_ text: String) -> [UInt8]? {
        let hex = text.contains(":") ? text.split(separator: ":", omittingEmptySubsequences: false).map(String.init) : nil
        var out: [UInt8] = []
        if let hex {
            guard hex.count == 32 else { return nil }
            for pair in hex {
                guard pair.utf8.count == 2, let b = UInt8(pair, radix: 16) else { return nil }
                out.append(b)
            }
        } else {
            let chars = Array(text.utf8)
            guard chars.count == 64 else { return nil }
            for i in stride(from: 0, to: 64, by: 2) {
                guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
                out.append(b)
            }
        }
        return out
    }

    func readProtectedPorts(_ c: ObjectFields) -> [String]? {
        guard let elements = c.array("protected_ports") else { return c.has("protected_ports") ? nil : [] }
        var ports: [String] = []
        for (i, e) in elements.enumerated() {
            let pointer = c.pointer.appending("protected_ports").appending(index: i)
            guard case .string(let s) = e.kind else {
                checker.report(.wrongType, e, pointer, "a protected port is a port id or range such as \"1/49\" or \"A1-A2\", found \(e.typeDescription)")
                return nil
            }
            let (selector, problems) = SelectorParser.parse(mode: .list, value: s, targetType: .poePort)
            for p in problems where p.code.severity == .blocker {
                checker.report(p.code, e, pointer, "protected port \"\(s)\": \(p.message)")
            }
            guard selector != nil else { return nil }
            ports.append(s)
        }
        return ports
    }

    enum KeyKind { case header, environment }

    func readStringMap(_ c: ObjectFields, _ key: String, keyKind: KeyKind) -> [String: ConnectionValue]? {
        guard c.has(key) else { return [:] }
        guard let fields = c.object(key) else { return nil }
        var map: [String: ConnectionValue] = [:]
        var ok = true
        for m in fields.members {
            let valid: Bool
            switch keyKind {
            case .header:
                valid = !m.key.isEmpty && m.key.utf8.allSatisfy { SelectorParser.isAlnum($0) || "!#$%&'*+-.^_`|~".utf8.contains($0) }
            case .environment:
                valid = Self.validEnvironmentName(m.key)
            }
            if !valid {
                checker.report(.invalidValue, at: m.keyOffset, fields.pointer.appending(m.key),
                               keyKind == .header ? "\"\(m.key)\" is not an HTTP header name" : "\"\(m.key)\" is not an environment variable name")
                ok = false
                continue
            }
            guard let v = readValue(fields, m.key, required: true) else { ok = false; continue }
            map[m.key] = v
        }
        return ok ? map : nil
    }

    func readLabels(_ c: ObjectFields, key: String) -> [String: String]? {
        guard c.has(key) else { return [:] }
        guard let fields = c.object(key) else { return nil }
        return Self.readLabels(fields, checker: checker)
    }

    static func readLabels(_ fields: ObjectFields, checker: DocumentChecker) -> [String: String]? {
        var labels: [String: String] = [:]
        var ok = true
        for m in fields.members {
            let keyOK = !m.key.isEmpty && m.key.utf8.count <= 63
                && m.key.utf8.allSatisfy { SelectorParser.isAlnum($0) || "._/-".utf8.contains($0) }
            if !keyOK {
                checker.report(.invalidValue, at: m.keyOffset, fields.pointer.appending(m.key),
                               "label key \"\(m.key)\" is not valid; keys are letters, digits, '.', '_', '/' and '-', at most 63 characters")
                ok = false
                continue
            }
            guard let value = fields.string(m.key, required: true) else { ok = false; continue }
            if value.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                checker.report(.invalidValue, m.value, fields.pointer.appending(m.key), "label value contains a control character")
                ok = false
                continue
            }
            labels[m.key] = value
        }
        return ok ? labels : nil
    }
}
