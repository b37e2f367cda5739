import Testing
@testable import Policy

/// Every diagnostic code a repository can produce is produced by some input here; the
/// run-time codes (PO50xx) belong to dry-runs and executions.
@Suite struct DiagnosticCoverageTests {
    static let jsonInputs: [[UInt8]] = [
        "{\"a\": 1 \"b\"}", "{\"a\":", "{\"a\": 1, \"a\": 2}", "{/* c */}", "[1,]", "[NaN]", "[1e999]", "[+1]",
        "\"\\ud800\"", "\"\\q\"", String(repeating: "[", count: 100), "", "{} x",
    ].map { Array($0.utf8) } + [[0x22, 0xFF, 0x22], [0xFF, 0xFE, 0x7B, 0x00], [0xEF, 0xBB, 0xBF, 0x7B, 0x7D]]

    @Test func everyCodeIsProducedBySomeInput() {
        var seen = Set<DiagnosticCode>()
        for bytes in Self.jsonInputs {
            seen.formUnion(JSONReader.read(bytes).issues.map(\.code))
        }
        seen.formUnion(JSONReader.read(Array(repeating: 0x20, count: (1 << 20) + 1)).issues.map(\.code))
        seen.formUnion(JSONReader.read(Array(("[" + String(repeating: "/**/", count: 300) + "1]").utf8)).issues.map(\.code))
        for c in PolicyValidationTests.cases {
            seen.formUnion(Fixtures.analyze(Fixtures.policy(c.fields, removing: c.removing)).diagnostics.map(\.code))
        }
        let extraPolicies = [
            Fixtures.policy(["trigger_group": #"{"triggers": [{"type": "ups.state", "equals": "on_battery"}, {"type": "ups.state", "equals": "on_battery"}]}"#]),
            Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.pveID)", "target_type": "vm", "selector": {"mode": "list", "value": "104,104"}}"#]),
        ]
        for text in extraPolicies { seen.formUnion(Fixtures.analyze(text).diagnostics.map(\.code)) }
        // Hosts, UPS, settings and checks across files.
        let hostVariants = [
            Fixtures.pveHost.replacingAll(Fixtures.pveID, with: "x"),
            Fixtures.pveHost.replacingAll("\"proxmox\"", with: "\"vmware\""),
            Fixtures.pveHost.replacingAll(#"{"env": "PVE_SECRET"}"#, with: "\"inline\""),
            Fixtures.pveHost.replacingAll("https://pve-1:8006", with: "ftp://x"),
            Fixtures.pveHost.replacingAll("\"node\": \"pve-1\"", with: #""node": "pve-1", "tls": {"fingerprint_sha256": "zz"}"#),
            Fixtures.pveHost.replacingAll("\"node\": \"pve-1\"", with: #""node": "pve-1", "tls": {"insecure": true}"#),
            Fixtures.pveHost.replacingAll("\"pve-1\", \"driver\"", with: "\"pve 1\", \"driver\""),
            #"{"id": "\#(Fixtures.simID)", "name": "s", "driver": "sim", "connection": {"targets": [{"id": "vm:x", "state": "running"}]}}"#,
        ]
        for h in hostVariants { seen.formUnion(HostDeclarationReader.read(path: "hosts/h.json", bytes: Array(h.utf8)).1.map(\.code)) }
        seen.formUnion(UPSDeclaration.read(path: "ups/u.json", bytes: Array(#"{"id": "a b", "nut": {"host": "h", "ups": "u"}}"#.utf8)).1.map(\.code))
        seen.formUnion(RepositorySettings.read(bytes: Array(#"{"policies": ["/abs"]}"#.utf8)).1.map(\.code))
        seen.formUnion(OperatorConfiguration.read(bytes: Array(#"{"exec": {"user": "root"}}"#.utf8), path: "/etc/policyops/config.json").1.map(\.code))
        let ups = #"{"id": "ups-main", "nut": {"host": "h", "ups": "u"}}"#
        let dupID = Fixtures.simHost.replacingAll("sim-1", with: "sim-2")
        let dupName = Fixtures.simHost.replacingAll(Fixtures.simID, with: "11111111-2222-4333-8444-555555555555")
        let repo = Fixtures.compile(
            policies: ["policies/a.json": Fixtures.policy(), "policies/b.json": Fixtures.policy(["enabled": "true"]),
                       "policies/c.json": Fixtures.policy(["name": "\"shutdown-on-battery\"", "priority": "3"]),
                       "policies/d.json": Fixtures.policy(["targets": #"{"host_id": "\#(Fixtures.simID)", "target_type": "vm", "selector": {"mode": "list", "value": "1"}}"#, "name": "\"d-policy\""]),
                       "policies/e.json": Fixtures.policy(["targets": #"{"host_id": "00000000-0000-4000-8000-000000000000", "target_type": "vm", "selector": {"mode": "list", "value": "1"}}"#, "name": "\"e-policy\""])],
            hosts: [Fixtures.pveHost, Fixtures.simHost, dupID, dupName],
            extra: [RepositoryFile(path: "policies/x.txt", bytes: []), RepositoryFile(path: "policies/l.json", kind: .symlink, bytes: []),
                    RepositoryFile(path: "ups/a.json", bytes: Array(ups.utf8)), RepositoryFile(path: "ups/b.json", bytes: Array(ups.utf8))])
        seen.formUnion(repo.diagnostics.map(\.code))
        seen.formUnion(PortProtectionReview(before: Fixtures.compile(policies: [:]), after: Fixtures.compile(policies: [:], hosts: [Fixtures.switchHost.replacingAll(#", "protected_ports": ["1/49-1/52"]"#, with: "")])).findings.map(\.code))

        let runtime = DiagnosticCode.allCases.filter { $0.rawValue.hasPrefix("PO5") }
        let missing = Set(DiagnosticCode.allCases).subtracting(seen).subtracting(runtime)
        #expect(missing.isEmpty, "never produced: \(missing.map(\.rawValue).sorted())")
    }
}
