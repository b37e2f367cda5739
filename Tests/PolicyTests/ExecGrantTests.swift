import Testing
@testable import Policy

/// The rules of the operator's `exec` grant, on the facts the driver looks up: which
/// program may start, and as whom (SPEC section 18).
@Suite struct ExecGrantTests {
    static let file = "/etc/policyops/config.json"
    static let grant = ExecGrant(allow: ["/usr/local/sbin/site-shutdown", "/usr/local/bin/site-x", "/bin/sh"], user: "policyops-exec")

    @Test(arguments: [
        // argv[0], its real path, and what the grant says
        ("/usr/local/sbin/site-shutdown", "/usr/local/sbin/site-shutdown", nil as ExecRefusal?),
        ("/usr/local/sbin/site-shutdown", "/opt/site/bin/shutdown", nil),
        ("/bin/sh", "/usr/bin/dash", nil),
        ("/usr/bin/dash", "/usr/bin/dash", .notAllowed(program: "/usr/bin/dash", configuration: file)),
        ("sh", "/usr/bin/dash", .notAbsolute(program: "sh", configuration: file)),
        ("./site-x", "/usr/local/bin/site-x", .notAbsolute(program: "./site-x", configuration: file)),
        ("/usr/local/bin/../bin/site-x", "/usr/local/bin/site-x", .notAllowed(program: "/usr/local/bin/../bin/site-x", configuration: file)),
        ("/usr/local/bin/site-x", "/usr/bin/dash", .interpreter(program: "/usr/local/bin/site-x", resolved: "/usr/bin/dash", configuration: file)),
        ("/usr/local/bin/site-x", "/usr/bin/python3.11", .interpreter(program: "/usr/local/bin/site-x", resolved: "/usr/bin/python3.11", configuration: file)),
    ])
    func programs(_ program: String, _ real: String, _ expected: ExecRefusal?) {
        #expect(Self.grant.refusal(program: program, realPath: real, configuration: Self.file) == expected)
    }

    @Test func messagesSayWhatToChangeAndWhere() {
        #expect(ExecGrant.none.refusal(program: "/bin/true", realPath: "/usr/bin/true", configuration: nil)?.description
                == "exec runs only the programs the operator allows, and the operator's configuration (none: /etc/policyops/config.json does not exist) allows none; list the program's absolute path under \"exec.allow\" there")
        #expect(Self.grant.refusal(program: "/usr/local/bin/site-x", realPath: "/usr/bin/dash", configuration: Self.file)?.description
                == "/usr/local/bin/site-x resolves to the shell /usr/bin/dash, which the operator did not allow by path; a shell or an interpreter runs only where \"exec.allow\" in the operator's configuration (/etc/policyops/config.json) lists it")
        #expect(Self.grant.refusal(program: "/usr/local/bin/site-x", realPath: "/usr/bin/perl", configuration: Self.file)?.description.contains("the interpreter /usr/bin/perl") == true)
        #expect(ExecRefusal.rootWithoutUser(configuration: Self.file).code == .programNotAllowed)
    }

    @Test func variablesThatRunOtherCode() {
        #expect(ExecGrant.refusal(environment: ["SITE", "API_KEY", "PATH", "HOME", "LANG"]) == nil)
        for name in ["LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "SHELLOPTS", "PS4", "PERL5OPT", "PYTHONSTARTUP", "NODE_OPTIONS", "GLIBC_TUNABLES", "RUBYOPT"] {
            #expect(ExecGrant.refusal(environment: ["SITE", name]) == .environment(name: name), "\(name)")
        }
    }

    /// Never root: root switches to the operator's user; anyone else cannot switch.
    @Test func whomACommandRunsAs() {
        let users: [String: UInt32] = ["policyops-exec": 998, "toor": 0, "ops": 1000]
        func runAs(_ user: String?, uid: UInt32, name: String = "root") -> Result<ExecRunAs, ExecRefusal> {
            ExecGrant(allow: ["/bin/true"], user: user).runAs(processUID: uid, processUser: name, configuration: Self.file) { users[$0] }
        }
        #expect(runAs("policyops-exec", uid: 0) == .success(.user("policyops-exec")))
        #expect(runAs(nil, uid: 0) == .failure(.rootWithoutUser(configuration: Self.file)))
        #expect(runAs("nobody-here", uid: 0) == .failure(.unknownUser("nobody-here", configuration: Self.file)))
        #expect(runAs("toor", uid: 0) == .failure(.rootUser("toor", configuration: Self.file)))
        #expect(runAs(nil, uid: 1000, name: "ops") == .success(.reconcilerUser))
        #expect(runAs("ops", uid: 1000, name: "ops") == .success(.reconcilerUser))
        #expect(runAs("policyops-exec", uid: 1000, name: "ops") == .failure(.cannotSwitch(user: "policyops-exec", reconciler: "ops", configuration: Self.file)))
        #expect(runAs("toor", uid: 1000, name: "ops") == .failure(.rootUser("toor", configuration: Self.file)))
    }
}
