import SystemCalls

/// A pause another thread can cut short, measured on the monotonic clock: `poll(2)` on a
/// pipe, whose timeout is relative. A condition variable's deadline is a moment of the wall
/// clock, so a wall clock set back by ten minutes would stop a UPS's polling for ten minutes.
// @unchecked: its only stored properties are two immutable descriptors; writing a byte and
// polling are safe from any thread.
final class WakeSignal: @unchecked Sendable {
    private let pipe: (read: FileDescriptor, write: FileDescriptor)?

    init() {
        pipe = try? FileDescriptor.pipe(nonBlocking: true)
    }

    deinit {
        pipe?.read.close()
        pipe?.write.close()
    }

    /// Cuts the pause short, now and for every later one (the byte is never read back).
    func signal() {
        guard let pipe else { return }
        _ = try? pipe.write.write([1])
    }

    /// Pauses `seconds`, or until signalled; true when signalled.
    @discardableResult
    func pause(_ seconds: Double) -> Bool {
        let deadline = monotonicMilliseconds() + Int64(seconds * 1000)
        while true {
            let left = deadline - monotonicMilliseconds()
            guard left > 0 else { return false }
            let wait = Int32(min(left, Int64(Int32.max)))
            guard let pipe else {
                // No pipe: a plain pause, which nothing cuts short.
                _ = try? FileDescriptor.poll([], milliseconds: wait)
                continue
            }
            do {
                if try !FileDescriptor.poll([(pipe.read, .readable)], milliseconds: wait)[0].isEmpty { return true }
            } catch {
                return false
            }
        }
    }
}
