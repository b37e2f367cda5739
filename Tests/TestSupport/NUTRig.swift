import Foundation

/// A private Network UPS Tools server on loopback for a test: `dummy-ups` simulating one
/// UPS from a file, and `upsd` serving it, both in a scratch folder (NUT_CONFPATH and
/// NUT_STATEPATH), started by the test and stopped with it.
public final class NUTRig: @unchecked Sendable {
    public let directory = TemporaryDirectory("nut")
    public let port: Int
    public let upsName = "ups"
    var driver: BackgroundProcess?
    var server: BackgroundProcess?
    var lastWrite = Date().addingTimeInterval(-10)

    /// True when NUT's programs are installed (`nut-server`).
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/lib/nut/dummy-ups") && FileManager.default.isExecutableFile(atPath: "/lib/nut/upsd")
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["NUT_CONFPATH"] = directory.join("etc")
        env["NUT_STATEPATH"] = directory.join("run")
        return env
    }

    var user: String { String(cString: getpwuid(getuid()).pointee.pw_name) }

    /// Writes the configuration and the UPS's first state, then starts both programs and
    /// waits until upsd answers with real data.
    public init(status: String = "OL", charge: Int = 100, runtime: Int = 1800, load: Int = 25) throws {
        port = try NUTRig.freePort()
        for folder in ["etc", "run"] {
            try FileManager.default.createDirectory(atPath: directory.join(folder), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: directory.join("etc/" + name), atomically: true, encoding: .utf8)
            chmod(directory.join("etc/" + name), 0o600)
        }
        try write("ups.conf", "[\(upsName)]\n  driver = dummy-ups\n  port = \(directory.join("ups.dev"))\n  mode = dummy-once\n  pollinterval = 1\n  desc = \"test UPS\"\n")
        try write("upsd.conf", "LISTEN 127.0.0.1 \(port)\nMAXAGE 6\n")
        try write("upsd.users", "")
        try write("nut.conf", "MODE=standalone\n")
        try set(status: status, charge: charge, runtime: runtime, load: load)
        try startDriver()
        try startServer()
    }

    deinit { stop() }

    public func stop() {
        server?.signal(SIGTERM)
        driver?.signal(SIGCONT)
        driver?.signal(SIGTERM)
        server?.wait(timeout: 5)
        driver?.wait(timeout: 5)
    }

    /// Starts (or starts again) the driver and waits for its socket.
    public func startDriver() throws {
        try? FileManager.default.removeItem(atPath: directory.join("run/dummy-ups-\(upsName)"))
        driver = try BackgroundProcess("/lib/nut/dummy-ups", ["-a", upsName, "-F", "-u", user], environment: environment)
        guard eventually(timeout: 15, { FileManager.default.fileExists(atPath: directory.join("run/dummy-ups-\(upsName)")) }) else {
            throw FixtureError("dummy-ups did not start: \(driver?.stderr ?? "")")
        }
    }

    /// Starts (or starts again) upsd and waits until it serves the UPS's status.
    public func startServer() throws {
        server = try BackgroundProcess("/lib/nut/upsd", ["-F", "-u", user], environment: environment)
        guard eventually(timeout: 15, { (try? self.variable("ups.status")).map { $0 != "WAIT" && !$0.isEmpty } ?? false }) else {
            throw FixtureError("upsd did not serve the UPS: \(server?.stderr ?? "")")
        }
    }

    /// Kills the driver (upsd then answers ERR DRIVER-NOT-CONNECTED).
    public func killDriver() {
        driver?.signal(SIGKILL)
        driver?.wait(timeout: 5)
    }

    /// Freezes or thaws the driver (frozen, upsd answers ERR DATA-STALE after MAXAGE).
    public func freezeDriver(_ frozen: Bool) { driver?.signal(frozen ? SIGSTOP : SIGCONT) }

    public var serverSignals: String {
        guard let pid = server?.pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "?" }
        return text.split(separator: "\n").filter { $0.hasPrefix("Sig") }.joined(separator: " ")
    }

    /// True while upsd runs.
    public var serverIsRunning: Bool { server?.isRunning ?? false }

    /// Stops upsd (clients lose their connection).
    public func stopServer() {
        server?.signal(SIGTERM)
        server?.wait(timeout: 5)
    }

    /// The UPS's state as the driver will read it next. The driver reads the file again only
    /// when its mtime moves to another whole second: the new file gets one a second later.
    public func set(status: String, charge: Int, runtime: Int, load: Int) throws {
        let path = directory.join("ups.dev")
        let text = "ups.status: \(status)\nbattery.charge: \(charge)\nbattery.runtime: \(runtime)\nups.load: \(load)\ninput.voltage: \(status.contains("OB") ? 0 : 230)\n"
        let temporary = path + ".tmp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        let stamp = max(Date(), lastWrite.addingTimeInterval(1)).addingTimeInterval(1)
        lastWrite = stamp
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: temporary)
        rename(temporary, path)
    }

    /// A variable as `upsc` reads it.
    public func variable(_ name: String) throws -> String {
        let r = try ProcessRunner.run("/usr/bin/upsc", ["\(upsName)@127.0.0.1:\(port)", name], environment: environment)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func freePort() throws -> Int {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        guard bound == 0 else { throw FixtureError("no free port") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
