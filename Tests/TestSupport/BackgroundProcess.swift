import Foundation

/// A process running in the background for a test (a reconciler), stopped with a signal.
public final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    let errorPipe = Pipe()
    let outputPipe = Pipe()
    private var collected = Data()
    private var collectedOutput = Data()
    private let lock = NSLock()

    /// Starts `executable` with `arguments`.
    public init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        process.standardError = errorPipe
        process.standardOutput = outputPipe
        collect(errorPipe, isOutput: false)
        collect(outputPipe, isOutput: true)
        try process.runWithSignalsUnblocked()
    }

    /// Appends what arrives on `pipe` to the output or the error buffer.
    private func collect(_ pipe: Pipe, isOutput: Bool) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            if isOutput { self.collectedOutput.append(data) } else { self.collected.append(data) }
            self.lock.unlock()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// What it wrote on standard error so far.
    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// What it wrote on standard output so far.
    public var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: collectedOutput, as: UTF8.self)
    }

    /// Its pid.
    public var pid: Int32 { process.processIdentifier }

    /// True while it runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends a signal.
    public func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    /// Waits for it to end (at most `timeout` seconds); its exit status, nil when it did not end.
    @discardableResult
    public func wait(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
@discardableResult
public func eventually(timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}
