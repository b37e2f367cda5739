import Testing
@testable import Policy

/// The operator's configuration (SPEC section 18): what it grants, read strictly, and the
/// network allow-list's decisions on the addresses attackers use.
@Suite struct OperatorConfigurationTests {
    static let pve = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
    static let other = "11111111-2222-4333-8444-555555555555"

    static func read(_ text: String) -> (OperatorConfiguration, [Diagnostic]) {
        OperatorConfiguration.read(bytes: Array(text.utf8), path: "/etc/policyops/config.json")
    }

    @Test func theSpecsExampleReadsAsWritten() {
        let (c, found) = Self.read("""
        {
          "secrets": {
            "pve1-token": {"env": "PVE1_TOKEN_SECRET", "hosts": ["\(Self.pve.uppercased())"], "fields": ["token_secret"]},
            "chat-hmac":  {"file": "/etc/policyops/chat.key", "hosts": ["\(Self.other)"], "fields": ["hmac_secret"]},
            "ups-pass":   {"env": "UPS_PASS", "ups": ["ups-main"], "fields": ["password"]}
          },
          "exec": {"allow": ["/usr/local/sbin/site-shutdown"], "user": "policyops-exec"},
          "network": {"allow": ["10.0.0.0/8", "192.168.0.0/16", "pve-1.lab.example", "*.lab.example"], "allow_loopback": false},
          "hook": {"refs": ["refs/heads/main"], "run_tests": true}
        }
        """)
        #expect(found.isEmpty, "\(found)")
        #expect(c.secrets["pve1-token"] == .init(source: .env("PVE1_TOKEN_SECRET"), hosts: [Self.pve], fields: ["token_secret"]))
        #expect(c.secrets["chat-hmac"]?.source == .file("/etc/policyops/chat.key"))
        #expect(c.exec == ExecGrant(allow: ["/usr/local/sbin/site-shutdown"], user: "policyops-exec"))
        #expect(c.network.names == ["pve-1.lab.example", "*.lab.example"] && c.network.ranges.map(\.description) == ["10.0.0.0/8", "192.168.0.0/16"])
        #expect(c.hook == HookSettings(refs: ["refs/heads/main"], runTests: true))
        #expect(c.path == "/etc/policyops/config.json")
        // Granted to the host and field it names, and to nothing else.
        #expect((try? c.grant(named: "pve1-token", holder: .host(Self.pve), field: "token_secret").get()) != nil)
        #expect(c.grant(named: "pve1-token", holder: .host(Self.other), field: "token_secret") == .failure(.notGranted(name: "pve1-token", field: "token_secret")))
        #expect(c.grant(named: "pve1-token", holder: .host(Self.pve), field: "headers.Authorization") == .failure(.notGranted(name: "pve1-token", field: "headers.Authorization")))
        #expect(c.grant(named: "nope", holder: .host(Self.pve), field: "token_secret") == .failure(.unknown(name: "nope", configuration: "/etc/policyops/config.json")))
        #expect((try? c.grant(named: "ups-pass", holder: .ups("ups-main"), field: "password").get()) != nil)
        #expect(c.grant(named: "ups-pass", holder: .host(Self.pve), field: "password") == .failure(.notGranted(name: "ups-pass", field: "password")))
        // The older forms only as listed: same source, host and field.
        #expect((try? c.grant(listing: .env("PVE1_TOKEN_SECRET"), holder: .host(Self.pve), field: "token_secret").get()) != nil)
        #expect(c.grant(listing: .env("AWS_SECRET_ACCESS_KEY"), holder: .host(Self.pve), field: "token_secret")
                == .failure(.unlisted(reference: .env("AWS_SECRET_ACCESS_KEY"), field: "token_secret", configuration: "/etc/policyops/config.json")))
        #expect(c.grant(listing: .file("/etc/shadow"), holder: .host(Self.other), field: "headers.X") != nil)
        #expect((try? c.grant(listing: .file("/etc/shadow"), holder: .host(Self.other), field: "headers.X").get()) == nil)
    }

    @Test func nothingIsGrantedWithoutAFile() {
        let c = OperatorConfiguration.strictest
        #expect(c.secrets.isEmpty && c.exec.allow.isEmpty && c.exec.user == nil && c.hook.refs == nil)
        #expect(c.network.check(host: "10.0.0.5", address: NetworkAddress.parse("10.0.0.5")!) != nil)
        #expect(c.network.forUPSServers.check(host: "127.0.0.1", address: NetworkAddress.parse("127.0.0.1")!) == nil)
    }

    /// Every mistake is a blocker at its place, and the part that is wrong grants nothing.
    @Test(arguments: [
        (#"{"secrets": {"a b": {"env": "X", "hosts": ["\#(pve)"], "fields": ["url"]}}}"#, "/secrets/a b", "not a secret name"),
        (#"{"secrets": {"t": {"env": "X", "file": "/k", "hosts": ["\#(pve)"], "fields": ["url"]}}}"#, "/secrets/t", "not both"),
        (#"{"secrets": {"t": {"hosts": ["\#(pve)"], "fields": ["url"]}}}"#, "/secrets/t", "needs a source"),
        (#"{"secrets": {"t": {"env": "1X", "hosts": ["\#(pve)"], "fields": ["url"]}}}"#, "/secrets/t/env", "not an environment variable name"),
        (#"{"secrets": {"t": {"file": "k", "hosts": ["\#(pve)"], "fields": ["url"]}}}"#, "/secrets/t/file", "absolute path"),
        (#"{"secrets": {"t": {"env": "X", "hosts": ["pve-1"], "fields": ["url"]}}}"#, "/secrets/t/hosts/0", "UUIDs"),
        (#"{"secrets": {"t": {"env": "X", "fields": ["url"]}}}"#, "/secrets/t", "granted to nobody"),
        (#"{"secrets": {"t": {"env": "X", "hosts": ["\#(pve)"], "fields": ["headers.a:b"]}}}"#, "/secrets/t/fields/0", "connection keys"),
        (#"{"secrets": {"t": {"env": "X", "hosts": ["\#(pve)"], "fields": []}}}"#, "/secrets/t/fields", "empty"),
        (#"{"secrets": {"t": {"env": "X", "hosts": ["\#(pve)"]}}}"#, "/secrets/t", "names no \"fields\""),
        (#"{"secrets": {"t": {"env": "X", "hosts": ["\#(pve)"], "fields": ["url"], "note": 1}}}"#, "/secrets/t/note", "unknown field"),
        (#"{"exec": {"user": "root"}}"#, "/exec/user", "never runs as root"),
        (#"{"exec": {"allow": ["sh"]}}"#, "/exec/allow/0", "absolute paths"),
        (#"{"exec": {"allow": ["/usr/../bin/sh"]}}"#, "/exec/allow/0", "absolute paths"),
        (#"{"network": {"allow": ["10.0.0.0/33"]}}"#, "/network/allow/0", "neither an address range"),
        (#"{"network": {"allow": ["2130706433"]}}"#, "/network/allow/0", "neither an address range"),
        (#"{"network": {"allow_loopback": "yes"}}"#, "/network/allow_loopback", "true or false"),
        (#"{"hook": {"refs": ["main"]}}"#, "/hook/refs/0", "guarded refs"),
        (#"{"hooks": {}}"#, "/hooks", "unknown field"),
        (#"{"secrets": [] }"#, "/secrets", "object"),
    ])
    func mistakesAreBlockersAtTheirPlace(text: String, pointer: String, words: String) {
        let (c, found) = Self.read(text)
        #expect(found.hasBlocker, "\(text)")
        #expect(found.contains { $0.pointer == pointer && $0.message.contains(words) }, "\(found.map { "\($0.pointer): \($0.message)" })")
        #expect(c.secrets.isEmpty && c.exec.user == nil && c.network.ranges.isEmpty && c.hook.refs == nil)
    }

    @Test func malformedJSONIsReportedWithItsPosition() {
        let (_, found) = Self.read("{\n  \"exec\": {\"allow\": [\"/bin/true\",]}\n}")
        #expect(found.contains { $0.code == .trailingComma && $0.line == 2 && $0.file == "/etc/policyops/config.json" })
    }

    // MARK: the network allow-list

    static let lab = NetworkAllowList(ranges: ["10.0.0.0/8", "0.0.0.0/0", "::/0", "169.254.10.0/24"].map { NetworkRange.parse($0)! },
                                      names: ["pve-1.lab.example", "*.corp.example"], allowLoopback: false)

    /// The SSRF forms of the issue, as the resolver hands them over: a broad range never
    /// opens loopback, link-local, metadata or 0.0.0.0.
    @Test(arguments: [
        ("169.254.169.254", "169.254.169.254", NetworkAddress.Kind.metadata),
        ("metadata.google.internal", "10.1.2.3", .metadata),
        ("METADATA.google.internal.", "10.1.2.3", .metadata),
        ("::1", "::1", .loopback),
        ("2130706433", "127.0.0.1", .loopback),
        ("localhost", "::ffff:127.0.0.1", .loopback),
        ("0.0.0.0", "0.0.0.0", .unspecified),
        ("::", "::", .unspecified),
        ("fe80::1", "fe80::1", .linkLocal),
        ("169.254.1.1", "169.254.1.1", .linkLocal),
        ("fd00:ec2::254", "fd00:ec2::254", .metadata),
        ("100.100.100.200", "100.100.100.200", .metadata),
        ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe", .metadata),
        ("64:ff9b::127.0.0.1", "64:ff9b::127.0.0.1", .loopback),
        ("fe80::1%lo resolved", "fe80::1", .linkLocal),
    ])
    func specialAddressesAreRefusedEvenUnderABroadRange(host: String, address: String, kind: NetworkAddress.Kind) {
        let refusal = Self.lab.check(host: host, address: NetworkAddress.parse(address)!)
        #expect(refusal?.kind == kind, "\(host) → \(address): \(String(describing: refusal))")
    }

    @Test func whatIsAllowedIsAllowed() {
        let a = { (s: String) in NetworkAddress.parse(s)! }
        #expect(Self.lab.check(host: "10.0.0.5", address: a("10.0.0.5")) == nil)
        #expect(Self.lab.check(host: "pve-1.lab.example", address: a("203.0.113.7")) == nil)
        #expect(Self.lab.check(host: "169.254.10.20", address: a("169.254.10.20")) == nil, "a range inside link-local opens that part")
        let narrow = NetworkAllowList(ranges: [NetworkRange.parse("10.0.0.0/8")!], names: ["pve-1.lab.example", "*.corp.example"], allowLoopback: true)
        #expect(narrow.check(host: "192.168.1.1", address: a("192.168.1.1"))?.kind == .ordinary)
        #expect(narrow.check(host: "sw.corp.example", address: a("192.168.1.1")) == nil)
        #expect(narrow.check(host: "corp.example", address: a("192.168.1.1")) != nil, "*.corp.example is names under it")
        #expect(narrow.check(host: "evilcorp.example", address: a("192.168.1.1")) != nil)
        #expect(narrow.check(host: "localhost", address: a("127.0.0.1")) == nil)
        // A name an attacker controls that resolves to a special address: refused by its address.
        #expect(narrow.check(host: "pve-1.lab.example", address: a("169.254.169.254"))?.kind == .metadata)
        #expect(narrow.check(host: "pve-1.lab.example", address: a("0.0.0.0"))?.kind == .unspecified)
        #expect(Self.lab.check(host: "x", address: a("::ffff:169.254.169.254"))?.kind == .metadata, "IPv4-mapped IPv6 is IPv4")
        #expect(Self.lab.check(host: "x", address: a("64:ff9b::a00:5")) == nil, "NAT64 of an ordinary address is ordinary")
    }

    @Test func addressesParseAndPrintInTheirCanonicalForms() {
        #expect(NetworkAddress.parse("10.0.0.1")?.description == "10.0.0.1")
        #expect(NetworkAddress.parse("[2001:db8::1]")?.description == "2001:db8::1")
        #expect(NetworkAddress.parse("::ffff:1.2.3.4")?.isIPv4 == true)
        #expect(NetworkAddress.parse("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        for bad in ["010.0.0.1", "1.2.3", "1.2.3.256", "0x7f.0.0.1", "2130706433", "1::2::3", "fe80::1%eth0", "12345::", ""] {
            #expect(NetworkAddress.parse(bad) == nil, "\(bad)")
        }
        #expect(NetworkRange.parse("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(NetworkRange.parse("fd00::/8")?.contains(NetworkAddress.parse("fd12::1")!) == true)
        #expect(NetworkRange.parse("10.0.0.0/8")?.contains(NetworkAddress.parse("11.0.0.1")!) == false)
    }

    @Test func interpretersAreKnownByTheirNames() {
        for p in ["/bin/sh", "/usr/bin/bash", "/usr/bin/python3.11", "/usr/bin/env", "/usr/bin/perl5.36", "/bin/busybox"] {
            #expect(ExecGrant.isInterpreter(p), "\(p)")
        }
        for p in ["/usr/local/sbin/site-shutdown", "/bin/true", "/usr/sbin/shutdown", "/usr/bin/shred"] {
            #expect(!ExecGrant.isInterpreter(p), "\(p)")
        }
    }
}
