/// Why `exec` refuses a command before anything runs: the operator's configuration does not
/// allow the program, or the user it would run as. The message says what to change, and where.
public enum ExecRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// `exec.allow` lists no program (no configuration at all, or an empty list).
    case nothingAllowed(configuration: String?)
    /// `argv[0]` is a bare name or a relative path: PATH is not searched.
    case notAbsolute(program: String, configuration: String?)
    /// `argv[0]` is not one of the paths in `exec.allow`.
    case notAllowed(program: String, configuration: String?)
    /// A listed program whose real path is a shell or an interpreter the operator did not list.
    case interpreter(program: String, resolved: String, configuration: String?)
    /// The host's `env` sets a variable that makes the loader, a shell or an interpreter run
    /// code the program does not (LD_PRELOAD, BASH_ENV, SHELLOPTS with PS4, PERL5OPT, …).
    case environment(name: String)
    /// The reconciler runs as root and `exec.user` names nobody.
    case rootWithoutUser(configuration: String?)
    /// `exec.user` names a user this machine does not know.
    case unknownUser(String, configuration: String?)
    /// `exec.user` names a user whose uid is 0.
    case rootUser(String, configuration: String?)
    /// `exec.user` names another user, and the reconciler, not root, cannot become it.
    case cannotSwitch(user: String, reconciler: String, configuration: String?)

    /// The code every refusal is reported with.
    public var code: DiagnosticCode { .programNotAllowed }

    public var description: String {
        switch self {
        case .nothingAllowed(let file):
            return "exec runs only the programs the operator allows, and the operator's configuration (\(Self.shown(file))) allows none; list the program's absolute path under \"exec.allow\" there"
        case .notAbsolute(let program, let file):
            return "\"\(program)\" is not an absolute path, and PATH is never searched; write the absolute path the operator allowed under \"exec.allow\" in the operator's configuration (\(Self.shown(file)))"
        case .notAllowed(let program, let file):
            return "\(program) is not allowed: argv[0] must be one of the paths under \"exec.allow\" in the operator's configuration (\(Self.shown(file)))"
        case .interpreter(let program, let resolved, let file):
            return "\(program) resolves to the \(Self.kind(of: resolved)) \(resolved), which the operator did not allow by path; a shell or an interpreter runs only where \"exec.allow\" in the operator's configuration (\(Self.shown(file))) lists it"
        case .environment(let name):
            return "the host's env sets \(name), which can make the dynamic loader, a shell or an interpreter run code the program does not; exec refuses it (and every variable of the LD_, BASH_FUNC_, PERL, PYTHON, RUBY, NODE_ and JAVA_ families, BASH_ENV, ENV, SHELLOPTS, BASHOPTS, PS4, IFS, GLIBC_TUNABLES and the like)"
        case .rootWithoutUser(let file):
            return "exec never runs as root; set \"exec.user\" in the operator's configuration (\(Self.shown(file))) to an unprivileged user such as \"policyops-exec\""
        case .unknownUser(let user, let file):
            return "the user \"\(user)\" that \"exec.user\" names in the operator's configuration (\(Self.shown(file))) does not exist on this machine"
        case .rootUser(let user, let file):
            return "the user \"\(user)\" that \"exec.user\" names in the operator's configuration (\(Self.shown(file))) has uid 0, and exec never runs as root"
        case .cannotSwitch(let user, let reconciler, let file):
            return "\"exec.user\" in the operator's configuration (\(Self.shown(file))) is \"\(user)\", but the reconciler runs as \"\(reconciler)\", not root, and cannot switch users; run it as \(user) or remove \"exec.user\""
        }
    }

    static func shown(_ file: String?) -> String {
        file ?? "none: \(OperatorConfiguration.defaultPath) does not exist"
    }

    static func kind(of path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return ExecGrant.shells.contains(base) ? "shell" : "interpreter"
    }
}
