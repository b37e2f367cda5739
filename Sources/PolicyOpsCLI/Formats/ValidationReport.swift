import Policy

/// What `validate` found, ready for any output format.
struct ValidationReport {
    /// One policy that compiled.
    struct PolicySummary {
        var path: String
        var policyID: String
        var hash: String
    }

    /// Every diagnostic reported, in presentation order.
    var diagnostics: [Diagnostic]
    /// The policies that compiled.
    var policies: [PolicySummary]
    /// How many policy files were checked.
    var policyFileCount: Int
    /// Every file checked (policies, hosts, UPS, settings), for formats that list them.
    var checkedFiles: [String]
    /// How many hosts were declared.
    var hostCount: Int
    /// How many UPSes were declared.
    var upsCount: Int
    /// The policy repository's folder inside the git repository ("" or ending in `/`):
    /// CI formats name files from the repository's root, as CI systems see them.
    var pathPrefix: String = ""
    /// True when the operator's configuration was checked too (`validate --config`).
    var checkedConfiguration = false

    /// A file's path as CI systems see it: under `pathPrefix`, unless it is absolute (the
    /// operator's configuration is not in the repository).
    func shownPath(_ file: String) -> String { file.hasPrefix("/") ? file : pathPrefix + file }

    var ok: Bool { !diagnostics.hasBlocker }

    func count(_ severity: Severity) -> Int { diagnostics.filter { $0.severity == severity }.count }
}

extension Diagnostic {
    /// `file:line:column: severity CODE at POINTER: message`, as compilers print findings.
    var textLine: String {
        let place = pointer.isEmpty ? "" : " at \(pointer)"
        return "\(file.terminalSafe):\(line):\(column): \(severity.rawValue) \(code.rawValue)\(place.terminalSafe): \(message.terminalSafe)"
    }
}

