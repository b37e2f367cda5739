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
                if settings.readsThrough(file.path) {
                    other.append(Diagnostic(code: .notRegularFile, file: file.path, pointer: "", line: 1, column: 1,
                                            message: "\(file.path) is a \(file.kind == .symlink ? "symbolic link" : "submodule"); policyops.json and the policy, host and UPS files and their folders must be regular files and folders in the repository (a link is never followed)"))
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
        // Analyses of a git tree come in path order already: checked, not sorted again.
        let inOrder = zip(policyAnalyses, policyAnalyses.dropFirst()).allSatisfy { $0.path < $1.path }
        var compilation = RepositoryCompilation(settings: settings, policies: [], hosts: hosts, upsDeclarations: upsDeclarations,
                                                otherDiagnostics: other, declaredHostIDs: declaredHostIDs)
        let hostChecks = HostChecks(compilation, catalog: catalog)
        var entries = (inOrder ? policyAnalyses : policyAnalyses.sorted { $0.path < $1.path }).map { analysis in
            PolicyEntry(analysis: analysis, crossFileDiagnostics: hostChecks.diagnostics(analysis))
        }
        for (i, found) in Self.duplicates(entries) { entries[i].crossFileDiagnostics += found }
        compilation.policies = entries
        return compilation
    }

    /// The compilation after some policy files changed, when nothing else did (hosts, UPSes,
    /// settings and other files as they were): `changes` maps paths to their new analysis, or
    /// nil when the file is gone. Only the changed files and those whose duplicates changed
    /// are looked at again — a 1-file commit into ten thousand policies checks one file and
    /// indexes the specs and names. Returns the paths whose entries changed; gives the same
    /// compilation as compiling everything again.
    public func update(_ previous: RepositoryCompilation, changes: [String: PolicyFileAnalysis?]) -> (RepositoryCompilation, changed: Set<String>) {
        let hostChecks = HostChecks(previous, catalog: catalog)
        let duplicateCodes: Set<DiagnosticCode> = [.duplicateSpec, .duplicatePolicyName]
        // Merge by path: the previous entries, less the removed, with the changed and new in order.
        var entries: [PolicyEntry] = []
        entries.reserveCapacity(previous.policies.count + changes.count)
        var touched = Set<String>()
        let incoming = changes.keys.sorted()
        var next = 0
        func take(upTo path: String?) {
            while next < incoming.count, path.map({ incoming[next] < $0 }) ?? true {
                let p = incoming[next]
                if let analysis = changes[p]! {
                    entries.append(PolicyEntry(analysis: analysis, crossFileDiagnostics: hostChecks.diagnostics(analysis)))
                }
                touched.insert(p)
                next += 1
            }
        }
        var hadDuplicates = Set<String>()
        for old in previous.policies {
            take(upTo: old.path)
            if next < incoming.count, incoming[next] == old.path { continue }  // replaced or removed: taken below
            if old.crossFileDiagnostics.contains(where: { duplicateCodes.contains($0.code) }) { hadDuplicates.insert(old.path) }
            entries.append(old)
        }
        take(upTo: nil)
        // Entries whose duplicates may have changed get theirs again.
        let found = Self.duplicates(entries)
        for i in entries.indices {
            let path = entries[i].path
            guard found[i] != nil || hadDuplicates.contains(path) else { continue }
            var diagnostics = entries[i].crossFileDiagnostics.filter { !duplicateCodes.contains($0.code) }
            diagnostics += found[i] ?? []
            if diagnostics != entries[i].crossFileDiagnostics {
                entries[i].crossFileDiagnostics = diagnostics
                touched.insert(path)
            }
        }
        var compilation = previous
        compilation.policies = entries
        return (compilation, touched)
    }

    /// The checks of a policy against the declared hosts: the host exists, and it offers the
    /// capabilities the policy's actions name.
    struct HostChecks {
        let settings: RepositorySettings
        let catalog: CapabilityCatalog
        let hosts: [HostDeclaration]
        let declaredHostIDs: Set<String>
        /// Duplicate host ids and names also hide ids from the lookup; keep the first.
        let hostsByID: [String: HostDeclaration]

        init(_ compilation: RepositoryCompilation, catalog: CapabilityCatalog) {
            settings = compilation.settings
            self.catalog = catalog
            hosts = compilation.hosts
            declaredHostIDs = compilation.declaredHostIDs
            hostsByID = Dictionary(compilation.hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        }

        func diagnostics(_ analysis: PolicyFileAnalysis) -> [Diagnostic] {
            var diagnostics: [Diagnostic] = []
            guard let ref = analysis.hostReference else { return diagnostics }
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
            return diagnostics
        }
    }

    /// The same normalized spec in two files (the original API's 409), else the same name:
    /// the diagnostics of each entry concerned, by index.
    static func duplicates(_ entries: [PolicyEntry]) -> [Int: [Diagnostic]] {
        var byHash: [SHA256Digest: [Int]] = [:]
        var byName: [String: [Int]] = [:]
        for (i, e) in entries.enumerated() {
            guard let h = e.hash else { continue }
            byHash[h, default: []].append(i)
            if let name = e.nameReference?.value { byName[name, default: []].append(i) }
        }
        var out: [Int: [Diagnostic]] = [:]
        for (_, group) in byHash where group.count > 1 {
            for i in group {
                let others = group.filter { $0 != i }.map { entries[$0].path }
                out[i, default: []].append(Diagnostic(code: .duplicateSpec, file: entries[i].path, pointer: "", line: 1, column: 1,
                    message: "the normalized spec is the same as \(others.joined(separator: ", ")); keep one policy file (defaults, key order and white space do not make specs different)"))
            }
        }
        for (name, group) in byName where group.count > 1 {
            for i in group where byHash[entries[i].hash!]!.count == 1 {
                let others = group.filter { $0 != i }.map { entries[$0].path }
                var d = Diagnostic(code: .duplicatePolicyName, file: entries[i].path, pointer: "/name", line: 1, column: 1,
                                   message: "policy name \"\(name)\" is also used by \(others.joined(separator: ", ")); give each policy its own name so that logs and ledgers tell them apart")
                if let ref = entries[i].nameReference { d.line = ref.line; d.column = ref.column }
                out[i, default: []].append(d)
            }
        }
        return out
    }

    /// The host id in a declaration that did not validate, so policies that name it are
    /// not also told the host is missing.
    static func declaredID(_ bytes: [UInt8]) -> String? {
        guard let value = JSONReader.read(bytes).value, case .object(let members) = value.kind,
              case .string(let id)? = members.first(where: { $0.key == "id" })?.value.kind else { return nil }
        return HostID.normalize(id)
    }
}
