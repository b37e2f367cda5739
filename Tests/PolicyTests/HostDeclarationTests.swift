import Testing
@testable import Policy

@Suite struct HostDeclarationTests {
    func read(_ text: String) -> (HostDeclaration?, [Diagnostic]) {
        HostDeclarationReader.read(path: "hosts/h.json", bytes: Array(text.utf8))
    }

    @Test func validDeclarationsOfEveryDriver() throws {
        for text in [Fixtures.pveHost, Fixtures.simHost, Fixtures.switchHost,
                     #"{"id": "\#(Fixtures.pveID)", "name": "hook", "driver": "webhook", "connection": {"url": "https://hooks.example.net/x", "hmac_secret": {"env": "HOOK_KEY"}, "headers": {"X-Team": "ops"}}}"#,
                     #"{"id": "\#(Fixtures.pveID)", "name": "local", "driver": "exec", "connection": {"working_dir": "/srv", "env": {"MODE": "drill"}}}"#] {
            let (host, diagnostics) = read(text)
            #expect(diagnostics == [], "\(diagnostics)")
            #expect(host != nil)
        }
    }

    @Test func inlineSecretsAreBlockersThatNeverRepeatTheSecret() {
        let text = Fixtures.pveHost.replacingAll(#"{"env": "PVE_SECRET"}"#, with: "\"s3cr3t-value\"")
        let (host, diagnostics) = read(text)
        #expect(host == nil)
        #expect(diagnostics.map(\.code) == [.inlineSecret])
        #expect(!diagnostics[0].message.contains("s3cr3t-value"))
    }

    @Test(arguments: [
        (#""id": "\#(Fixtures.pveID)""#, #""id": "pve-1""#, DiagnosticCode.invalidHostID),
        (#""driver": "proxmox""#, #""driver": "vmware""#, .unknownDriver),
        (#""url": "https://pve-1:8006""#, #""url": "pve-1:8006""#, .invalidURL),
        (#""url": "https://pve-1:8006""#, #""url": "https://root:pw@pve-1:8006""#, .invalidURL),
        (#""token_id": "policyops@pve!ci""#, #""token_id": "policyops""#, .invalidValue),
        (#""node": "pve-1""#, #""node": "pve-1", "port": 8006"#, .unknownField),
        (#""token_secret": {"env": "PVE_SECRET"}"#, #""token_secret": {"env": "1BAD"}"#, .invalidValue),
        (#""token_secret": {"env": "PVE_SECRET"}"#, #""token_secret": {"file": "relative/path"}"#, .invalidValue),
        (#""name": "pve-1""#, #""name": "pve 1""#, .invalidHostName),
        (#""node": "pve-1""#, #""node": "pve-1", "tls": {"fingerprint_sha256": "AB:CD"}"#, .invalidFingerprint),
    ] as [(String, String, DiagnosticCode)])
    func reportsEachMistake(from: String, to: String, code: DiagnosticCode) {
        let text = Fixtures.pveHost.replacingAll(from, with: to)
        #expect(text != Fixtures.pveHost)
        let (_, diagnostics) = read(text)
        #expect(diagnostics.map(\.code).contains(code), "\(diagnostics)")
    }

    @Test func turningTLSOffIsAWarning() {
        let text = Fixtures.pveHost.replacingAll(#""node": "pve-1""#, with: #""node": "pve-1", "tls": {"insecure": true}"#)
        let (host, diagnostics) = read(text)
        #expect(host != nil)
        #expect(diagnostics.map(\.code) == [.insecureTLS])
    }

    @Test func simulatedTargetsAreChecked() {
        for (bad, code) in [(#"{"id": "vm:abc", "state": "running"}"#, DiagnosticCode.invalidSimTarget),
                            (#"{"id": "vm:104", "state": "on"}"#, .invalidSimTarget),
                            (#"{"id": "disk:1", "state": "on"}"#, .invalidSimTarget),
                            (#"{"id": "vm:104"}"#, .missingField)] {
            let text = #"{"id": "\#(Fixtures.simID)", "name": "sim", "driver": "sim", "connection": {"targets": [\#(bad)]}}"#
            #expect(read(text).1.map(\.code).contains(code), "\(bad)")
        }
    }

    @Test func fingerprintsInEitherSpelling() {
        let hex = String(repeating: "ab", count: 32)
        let colons = Array(repeating: "AB", count: 32).joined(separator: ":")
        #expect(HostDeclarationReader.parseFingerprint(hex) == HostDeclarationReader.parseFingerprint(colons))
        #expect(HostDeclarationReader.parseFingerprint(hex)?.count == 32)
    }
}

@Suite struct UPSDeclarationTests {
    @Test func readsAndDefaults() throws {
        let (ups, d) = UPSDeclaration.read(path: "ups/main.json", bytes: Array(#"{"id": "ups-main", "nut": {"host": "127.0.0.1", "ups": "ups"}}"#.utf8))
        #expect(d == [])
        #expect(try #require(ups).nutPort == 3493)
        #expect(ups?.poll.seconds == 2)
    }

    @Test func rejectsMistakes() {
        let (_, d) = UPSDeclaration.read(path: "ups/main.json", bytes: Array(#"{"id": "ups main", "nut": {"host": "127.0.0.1", "ups": "ups", "port": 70000, "password": "pw"}, "poll": "0s"}"#.utf8))
        #expect(Set(d.map(\.code)) == [.invalidUPSID, .outOfRange, .inlineSecret])
    }
}

@Suite struct SettingsTests {
    @Test func globsMatchPaths() throws {
        let g = try #require(PathGlob("policies/**/*.json"))
        #expect(g.matches("policies/a.json"))
        #expect(g.matches("policies/x/y/a.json"))
        #expect(!g.matches("policies/a.txt"))
        #expect(!g.matches("hosts/a.json"))
        #expect(g.literalPrefix == "policies")
        #expect(PathGlob("/abs") == nil)
        #expect(PathGlob("../up/*.json") == nil)
    }

    @Test func readsSettings() {
        let (s, d) = RepositorySettings.read(bytes: Array(#"{"policies": ["rules/*.json"], "defaults": {"suppression_window": "1m"}, "timezone": "Europe/Berlin", "hook": {"refs": ["refs/heads/main"]}}"#.utf8))
        #expect(d == [])
        #expect(s.role(of: "rules/a.json") == .policy)
        #expect(s.role(of: "policies/a.json") == nil)
        #expect(s.defaults.suppressionWindow.seconds == 60)
        #expect(s.timeZone == "Europe/Berlin")
        #expect(s.guardedRefs == ["refs/heads/main"])
    }

    @Test func defaultsFromSettingsChangeTheHash() {
        let text = Array(Fixtures.policy().utf8)
        let a = PolicyFileAnalysis.analyze(path: "p.json", bytes: text)
        let b = PolicyFileAnalysis.analyze(path: "p.json", bytes: text, defaults: PolicyDefaults(suppressionWindow: PolicyDuration(seconds: 60), idempotencyWindow: PolicyDuration(seconds: 600)))
        #expect(a.hash != b.hash)
    }
}
