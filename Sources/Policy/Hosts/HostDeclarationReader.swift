/// Validates a host declaration (SPEC section 2): the id, name, driver, the driver's
/// connection settings (secrets only as references) and labels.
public struct HostDeclarationReader {
    let checker: DocumentChecker
    let path: String

    /// Reads and validates the host declaration in `bytes`. Returns the declaration when
    /// nothing blocks, and every diagnostic.
    public static func read(path: String, bytes: [UInt8]) -> (HostDeclaration?, [Diagnostic]) {
        let checker = DocumentChecker(file: path, bytes: bytes)
        let reader = HostDeclarationReader(checker: checker, path: path)
        let host = reader.read()
        return (checker.hasBlocker ? nil : host, checker.diagnostics)
    }

    func read() -> HostDeclaration? {
        guard let document = checker.readJSON(), let root = checker.fields(document, at: .root, what: "a host declaration") else { return nil }
        root.rejectUnknown(allowed: ["$schema", "id", "name", "driver", "connection", "labels"], what: "a host declaration")
        _ = root.string("$schema")
        var id: String?
        if let text = root.string("id", required: true) {
            id = HostID.normalize(text)
            if id == nil {
                checker.report(.invalidHostID, root.member("id")!.value, root.pointer.appending("id"),
                               "host \"id\" is \"\(text)\"; it must be a UUID such as 6f1c1e8a-3d2b-4c4e-9a7f-0b1d2c3e4f50 (generate one with uuidgen)")
            }
        }
        var name: String?
        if let text = root.string("name", required: true) {
            if Self.validHostName(text) { name = text } else {
                checker.report(.invalidHostName, root.member("name")!.value, root.pointer.appending("name"),
                               "host \"name\" is \"\(text)\"; names are letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters")
            }
        }
        let driver = root.oneOf("driver", DriverKind.self, required: true, code: .unknownDriver)
        let labels = readLabels(root, key: "labels") ?? [:]
        var connection: HostConnection?
        var refreshSLA: PolicyDuration?
        if let c = root.object("connection", required: true), let driver {
            refreshSLA = readRefreshSLA(c, driver: driver)
            connection = readConnection(c, driver: driver)
        }
        guard let id, let name, let driver, let connection else { return nil }
        return HostDeclaration(path: path, id: id, name: name, driver: driver, connection: connection, labels: labels, refreshSLA: refreshSLA)
    }

    static func validHostName(_ text: String) -> Bool {
        text.utf8.count <= 63 && SelectorParser.validName(text[...])
    }

    // MARK: simulated targets

    func readSimTargets(_ c: ObjectFields) -> [SimulatedTarget]? {
        guard let elements = c.array("targets", required: true) else { return nil }
        var targets: [SimulatedTarget] = []
        var seen: [String: Int] = [:]
        var ok = true
        for (i, e) in elements.enumerated() {
            let pointer = c.pointer.appending("targets").appending(index: i)
            guard let t = checker.fields(e, at: pointer, what: "a simulated target") else { ok = false; continue }
            t.rejectUnknown(allowed: ["id", "name", "state", "labels"], what: "a simulated target")
            guard let id = t.string("id", required: true) else { ok = false; continue }
            let idValue = t.member("id")!.value
            guard let colon = id.firstIndex(of: ":"), let type = TargetType(rawValue: String(id[..<colon])) else {
                checker.report(.invalidSimTarget, idValue, pointer.appending("id"),
                               "target id \"\(id)\" must be <target_type>:<native id>, such as vm:104 or poe-port:1/A1; types are \(TargetType.allCases.map(\.rawValue).joined(separator: ", "))")
                ok = false
                continue
            }
            let native = String(id[id.index(after: colon)...])
            let (selector, _) = SelectorParser.parse(mode: .list, value: native, targetType: type)
            guard let selector, selector.staticIDs == [id], !native.contains(",") else {
                checker.report(.invalidSimTarget, idValue, pointer.appending("id"),
                               "\"\(native)\" is not a single \(type.rawValue) id (write one target per entry, such as \(type.targetID(SelectorParser.example(for: type).split(separator: ",")[0].split(separator: "-")[0].description)))")
                ok = false
                continue
            }
            if let first = seen[id] {
                checker.report(.invalidSimTarget, idValue, pointer.appending("id"), "target \(id) is declared twice (first at /connection/targets/\(first))")
                ok = false
                continue
            }
            seen[id] = i
            let name = t.string("name") ?? native
            var state = ""
            if !type.states.isEmpty {
                if let s = t.string("state", required: true) {
                    if type.states.contains(s) { state = s } else {
                        checker.report(.invalidSimTarget, t.member("state")!.value, pointer.appending("state"),
                                       "state of a \(type.rawValue) target is \(type.states.map { "\"\($0)\"" }.joined(separator: " or ")), found \"\(s)\"")
                        ok = false
                        continue
                    }
                } else { ok = false; continue }
            } else if t.has("state") {
                checker.report(.invalidSimTarget, t.member("state")!.value, pointer.appending("state"), "\(type.rawValue) targets have no state; remove \"state\"")
                ok = false
                continue
            }
            let labels = t.has("labels") ? t.object("labels").flatMap { Self.readLabels($0, checker: checker) } : [:]
            guard let labels else { ok = false; continue }
            targets.append(SimulatedTarget(id: id, targetType: type, nativeID: native, name: name, state: state, labels: labels))
        }
        return ok ? targets : nil
    }
}
