/// The decisions `exec` takes from the operator's grant, on facts the driver looks up (a
/// program's real path, the users this machine knows): pure, so each rule is tested alone.
extension ExecGrant {
    /// The shells among `interpreters`, for messages.
    public static let shells: Set<String> = [
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "csh", "tcsh", "fish", "ash", "busybox", "toybox",
    ]

    /// Why `program` (argv[0] as written) whose real path is `realPath` may not run; nil
    /// when it may. It must be absolute and listed exactly; when it or its real path is a
    /// shell or an interpreter, that path must itself be listed: a listed wrapper that is a
    /// link to /bin/sh does not let a policy run a shell. `configuration` names the file, for
    /// the message.
    public func refusal(program: String, realPath: String?, configuration: String?) -> ExecRefusal? {
        guard !allow.isEmpty else { return .nothingAllowed(configuration: configuration) }
        guard program.hasPrefix("/") else { return .notAbsolute(program: program, configuration: configuration) }
        guard allow.contains(program) else { return .notAllowed(program: program, configuration: configuration) }
        guard let realPath, realPath != program else { return nil }
        if Self.isInterpreter(realPath), !Self.isInterpreter(program), !allow.contains(realPath) {
            return .interpreter(program: program, resolved: realPath, configuration: configuration)
        }
        return nil
    }

    /// Variables that make the dynamic loader, a shell or an interpreter run code of the
    /// variable's choosing rather than the program's: the repository's `env` may not set them.
    public static let codeLoadingVariables: Set<String> = [
        "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "CDPATH", "GLOBIGNORE", "BASH_XTRACEFD",
        "BASH_LOADABLES_PATH", "PROMPT_COMMAND", "ZDOTDIR", "FPATH", "GLIBC_TUNABLES", "GCONV_PATH", "LOCPATH",
        "NLSPATH", "HOSTALIASES", "TCLLIBPATH", "PHPRC", "PHP_INI_SCAN_DIR",
    ]

    /// Families of such variables, by prefix (`LD_PRELOAD`, `PYTHONSTARTUP`, `PERL5OPT`, `NODE_OPTIONS`).
    public static let codeLoadingPrefixes = ["LD_", "BASH_FUNC_", "PYTHON", "PERL", "RUBY", "NODE_", "MALLOC_", "LUA_", "JAVA_", "_JAVA_", "JDK_JAVA_", "DYLD_"]

    /// Why a command may not run with `names` in its environment (the host's `env`); nil when it may.
    public static func refusal(environment names: some Sequence<String>) -> ExecRefusal? {
        for name in names.sorted() where codeLoadingVariables.contains(name) || codeLoadingPrefixes.contains(where: name.hasPrefix) {
            return .environment(name: name)
        }
        return nil
    }

    /// Who a command runs as, or why it may not run: never root. Running as root, the
    /// reconciler switches to `user` (which must exist and not have uid 0); running as
    /// anyone else, it cannot switch, so `user` must be itself or unset. `uid(of:)` looks a
    /// user name up (nil: unknown).
    public func runAs(processUID: UInt32, processUser: String, configuration: String?, uid: (String) -> UInt32?) -> Result<ExecRunAs, ExecRefusal> {
        guard let user else {
            return processUID == 0 ? .failure(.rootWithoutUser(configuration: configuration)) : .success(.reconcilerUser)
        }
        guard let target = uid(user) else { return .failure(.unknownUser(user, configuration: configuration)) }
        guard target != 0 else { return .failure(.rootUser(user, configuration: configuration)) }
        if processUID == 0 { return .success(.user(user)) }
        guard target == processUID else {
            return .failure(.cannotSwitch(user: user, reconciler: processUser, configuration: configuration))
        }
        return .success(.reconcilerUser)
    }
}
