import Hashing

/// Compiles a whole policy repository: reads every host and UPS declaration, takes the
/// per-file analyses of the policies, and adds the checks that need more than one file —
/// declared hosts, capabilities against the host's driver, duplicate specs and names.
/// Pure: the caller loads the files (and may analyze policies in parallel or from a cache).
public struct RepositoryCompiler: Sendable {
    /// The capability catalog checked against.
    public let catalog: CapabilityCatalog

    /// Creates a compiler.
    public init(catalog: CapabilityCatalog = .builtIn) {
        self.catalog = catalog
    }

    /// Analyzes every policy file serially and compiles.
    public func compile(settings: RepositorySettings, settingsDiagnostics: [Diagnostic] = [],
                        files: [RepositoryFile]) -> RepositoryCompilation {
        let policyFiles = files.filter { $0.kind == .regular && settings.role(of: $0.path) == .policy }
        let analyses = policyFiles.map {
            PolicyFileAnalysis.analyze(path: $0.path, bytes: $0.bytes, defaults: settings.defaults, catalog: catalog)
        }
        return compile(settings: settings, settingsDiagnostics: settingsDiagnostics, files: files, policyAnalyses: analyses)
    }

    /// Compiles with the analyses of the policy files already made.
    public func compile(settings: RepositorySettings, settingsDiagnostics: [Diagnostic] = [], files: [RepositoryFile],
                        policyAnalyses: [PolicyFileAnalysis]) -> RepositoryCompilation {
        var other = settingsDiagnostics
        var hosts: [HostDeclaration] = []
        var declaredHostIDs: Set<String> = []
        var hostSeen: [String: String] = [:]
        var hostNameSeen: [String: String] = [:]
        var upsDeclarations: [UPSDeclaration] = []
        var upsSeen: [String: String] = [:]

        for file in files.sorted(by: { $0.path < $1.path }) {
            let role = settings.role(of: file.path)
            if file.kind != .regular {
                if role != nil || settings.isInPolicyFolder(file.path) {
                    other.append(Diagnostic(code: .notRegularFile, file: file.path, pointer: "", line: 1, column: 1,
                                            message: "\(file.path) is a \(file.kind == .symlink ? "symbolic link" : "submodule"); policy, host and UPS files must be regular files in the repository"))
                }
                continue
            }
            switch role {
            case .host:
                let (host, diagnostics) = HostDeclarationReader.read(path: file.path, bytes: file.bytes)
                other += diagnostics
                if let id = host?.id ?? Self.declaredID(file.bytes) { declaredHostIDs.insert(id) }
                guard let host else { continue }
                if let first = hostSeen[host.id] {
                    let (line, column) = SourceLocator.position(of: "/id", in: file.bytes)
                    other.append(Diagnostic(code: .duplicateHostID, file: file.path, pointer: "/id", line: line, column: column,
                                            message: "host id \(host.id) is already declared in \(first); every host has its own UUID"))
                    continue
                }
                if let first = hostNameSeen[host.name] {
                    let (line, column) = SourceLocator.position(of: "/name", in: file.bytes)
                    other.append(Diagnostic(code: .duplicateHostName, file: file.path, pointer: "/name", line: line, column: column,
                                            message: "host name \"\(host.name)\" is already used by \(first); names identify hosts to people and must be unique"))
                    continue
                }
                hostSeen[host.id] = file.path
                hostNameSeen[host.name] = file.path
                hosts.append(host)
            case .ups:
                let (ups, diagnostics) = UPSDeclaration.read(path: file.path, bytes: file.bytes)
                other += diagnostics
                guard let ups else { continue }
                if let first = upsSeen[ups.id] {
                    let (line, column) = SourceLocator.position(of: "/id", in: file.bytes)
                    other.append(Diagnostic(code: .duplicateUPSID, file: file.path, pointer: "/id", line: line, column: column,
                                            message: "UPS id \"\(ups.id)\" is already declared in \(first)"))
                    continue
                }
                upsSeen[ups.id] = file.path
                upsDeclarations.append(ups)
            case .policy:
                continue
            case nil:
                if settings.isInPolicyFolder(file.path) && !file.path.hasSuffix("/.gitkeep") && !file.path.hasSuffix(".md") {
                    other.append(Diagnostic(code: .ignoredFile, file: file.path, pointer: "", line: 1, column: 1,
                                            message: "\(file.path) is not matched by the policy patterns (\(settings.policyGlobs.map(\.pattern).joined(separator: ", "))) and is ignored; policy files end in .json"))
                }
            }
        }
        // Duplicate host ids and names also hide ids from the lookup; keep the first.
        let hostsByID = Dictionary(hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        // Analyses of a git tree come in path order already: checked, not sorted again.
        let inOrder = zip(policyAnalyses, policyAnalyses.dropFirst()).allSatisfy { $0.path < $1.path }
        var entries: [PolicyEntry] = (inOrder ? policyAnalyses : policyAnalyses.sorted { $0.path < $1.path }).map { analysis in
            var diagnostics: [Diagnostic] = []
            if let ref = analysis.hostReference {
                if let host = hostsByID[ref.value] {
                    for cap in analysis.capabilityReferences {
                        guard let capability = catalog.capability(cap.value), capability.driver != host.driver else { continue }
                        let offered = catalog.capabilities(of: host.driver).map(\.id)
                        diagnostics.append(cap.diagnostic(.capabilityNotOnDriver, file: analysis.path,
                            "\(cap.value) is a \(capability.driver.rawValue) capability, but host \(host.name) uses the \(host.driver.rawValue) driver; its capabilities are \(offered.joined(separator: ", "))"))
                    }
                } else if !declaredHostIDs.contains(ref.value) {
                    let known = hosts.prefix(5).map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
                    diagnostics.append(ref.diagnostic(.unknownHost, file: analysis.path,
                        "no host with id \(ref.value) is declared under \(settings.hostGlobs.map(\.pattern).joined(separator: ", "))" + (known.isEmpty ? "" : "; declared hosts: \(known)")))
                }
            }
            return PolicyEntry(analysis: analysis, crossFileDiagnostics: diagnostics)
        }

        // The same normalized spec in two files is the original API's 409.
        var byHash: [SHA256Digest: [Int]] = [:]
        var byName: [String: [Int]] = [:]
        for (i, e) in entries.enumerated() {
            if let h = e.hash { byHash[h, default: []].append(i) }
            if e.hash != nil, let name = e.nameReference?.value { byName[name, default: []].append(i) }
        }
        for (_, group) in byHash where group.count > 1 {
            for i in group {
                let others = group.filter { $0 != i }.map { entries[$0].path }
                entries[i].crossFileDiagnostics.append(Diagnostic(code: .duplicateSpec, file: entries[i].path, pointer: "", line: 1, column: 1,
                    message: "the normalized spec is the same as \(others.joined(separator: ", ")); keep one policy file (defaults, key order and white space do not make specs different)"))
            }
        }
        for (name, group) in byName where group.count > 1 {
            for i in group where byHash[entries[i].hash!]!.count == 1 {
                let others = group.filter { $0 != i }.map { entries[$0].path }
                var d = Diagnostic(code: .duplicatePolicyName, file: entries[i].path, pointer: "/name", line: 1, column: 1,
                                   message: "policy name \"\(name)\" is also used by \(others.joined(separator: ", ")); give each policy its own name so that logs and ledgers tell them apart")
                if let ref = entries[i].nameReference { d.line = ref.line; d.column = ref.column }
                entries[i].crossFileDiagnostics.append(d)
            }
        }
        return RepositoryCompilation(settings: settings, policies: entries, hosts: hosts, upsDeclarations: upsDeclarations,
                                     otherDiagnostics: other)
    }

    /// The host id in a declaration that did not validate, so policies that name it are
    /// not also told the host is missing.
    static func declaredID(_ bytes: [UInt8]) -> String? {
        guard let value = JSONReader.read(bytes).value, case .object(let members) = value.kind,
              case .string(let id)? = members.first(where: { $0.key == "id" })?.value.kind else { return nil }
        return HostID.normalize(id)
    }
}
