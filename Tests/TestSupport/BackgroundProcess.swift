import Foundation

/// A process running in the background for a test (a reconciler), stopped with a signal.
public final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    let errorPipe = Pipe()
    let outputPipe = Pipe()
    private var collected = Data()
    private var collectedOutput = Data()
    private var errorEnded = false
    /// Guards the buffers; signalled whenever standard error grows or ends.
    private let lock = NSCondition()
    private let startedAt = ContinuousClock.now

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
            // Empty data is the end of the stream: stop watching it.
            if data.isEmpty { handle.readabilityHandler = nil }
            guard let self else { return }
            self.lock.lock()
            if isOutput { self.collectedOutput.append(data) } else { self.collected.append(data) }
            if !isOutput && data.isEmpty { self.errorEnded = true }
            self.lock.broadcast()
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

    /// Seconds since it was started.
    public var secondsSinceStart: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Waits until a whole line of its standard error satisfies `condition`, woken by each
    /// write rather than polling, so that the moment it returns is close to the moment the
    /// line was written; false when `timeout` seconds pass or the stream ends first.
    public func waitForErrorLine(timeout: Double = 30, where condition: (Substring) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        var checked = 0
        while true {
            // Only lines ended by a newline are whole; the ones already checked are skipped.
            if let end = collected.lastIndex(of: UInt8(ascii: "\n")), end >= checked {
                let text = String(decoding: collected[checked...end], as: UTF8.self)
                if text.split(separator: "\n").contains(where: condition) { return true }
                checked = end + 1
            }
            if errorEnded { return false }
            if !lock.wait(until: deadline) { return false }
        }
    }

    /// Waits until it has exited and its standard error has ended, and returns false when
    /// `timeout` seconds pass first. Once, on a loaded machine, the readability handler did
    /// not see the end of a killed reconciler's standard error within 30 s (why is not
    /// established), so once the process is gone and the handler has been quiet for half a
    /// second, what is left is read here directly, without the handler.
    @discardableResult
    public func waitForErrorToEnd(timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        guard wait(timeout: timeout) != nil else { return false }
        lock.lock()
        defer { lock.unlock() }
        let quiet = min(deadline, Date().addingTimeInterval(0.5))
        while !errorEnded {
            if !lock.wait(until: quiet) { break }
        }
        if errorEnded { return true }
        errorPipe.fileHandleForReading.readabilityHandler = nil
        let fd = errorPipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&ready, 1, milliseconds) > 0 else { continue }
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                collected.append(contentsOf: buffer[0..<n])
            } else if n == 0 || errno != EINTR {
                errorEnded = true
                return true
            }
        }
        return false
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
