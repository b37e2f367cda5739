import Foundation

/// A vendor API simulator of `Tests/Simulators` (Python's standard library) running for a
/// test: started with its arguments, listening on a port it chose, stopped when released.
public final class Simulator: @unchecked Sendable {
    let process = Process()
    public let port: Int
    public let scheme: String
    let errorPipe = Pipe()

    /// Starts `Tests/Simulators/<script>` and waits for its `PORT <n>` line.
    public init(_ script: String, _ arguments: [String], tls: TestCertificate? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["python3", Paths.packageRoot + "/Tests/Simulators/" + script] + arguments + ["--port", "0"]
        if let tls { args += ["--cert", tls.certificate, "--key", tls.key] }
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errorPipe
        try process.runWithSignalsUnblocked()
        var line = Data()
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { break }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw FixtureError("\(script) did not start: \(text) \(String(decoding: errorPipe.fileHandleForReading.availableData, as: UTF8.self))")
        }
        self.port = port
        scheme = tls == nil ? "http" : "https"
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// `scheme://127.0.0.1:port`.
    public var url: String { "\(scheme)://127.0.0.1:\(port)" }

    /// A request to a control endpoint (`/_sim/...`); the JSON answer.
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: Any? = nil) throws -> Any? {
        var args = ["-sk", "-X", method, url + path]
        if let body {
            args += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)]
        }
        let r = try ProcessRunner.tool("curl", args)
        guard r.status == 0 else { throw FixtureError("curl \(path): \(r.stderr)") }
        return r.stdout.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// The requests the simulator has seen.
    public func requests() throws -> [[String: Any]] { (try control("GET", "/_sim/requests") as? [[String: Any]]) ?? [] }
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, made with the openssl tool.
public struct TestCertificate: Sendable {
    public let certificate: String
    public let key: String
    /// The certificate's SHA-256, 32 bytes.
    public let sha256: [UInt8]

    /// Makes one in `directory`.
    public init(in directory: TemporaryDirectory, name: String = "server") throws {
        certificate = directory.join("\(name)-cert.pem")
        key = directory.join("\(name)-key.pem")
        let made = try ProcessRunner.tool("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                                                      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                                                      "-keyout", key, "-out", certificate])
        guard made.status == 0 else { throw FixtureError("openssl req: \(made.stderr)") }
        let fp = try ProcessRunner.tool("openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])
        // "sha256 Fingerprint=AB:CD:..."
        let hex = fp.stdout.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        sha256 = hex.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        guard sha256.count == 32 else { throw FixtureError("openssl x509: \(fp.stdout)") }
    }

    /// `AB:CD:...`.
    public var fingerprint: String { sha256.map { String(format: "%02X", $0) }.joined(separator: ":") }
}
