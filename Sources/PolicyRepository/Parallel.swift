import Dispatch

/// Work spread over the machine's cores.
enum Parallel {
    /// `transform` applied to every item, on all cores, results in order.
    static func map<T: Sendable, R: Sendable>(_ items: [T], chunk: Int = 32, _ transform: @escaping @Sendable (T) -> R) -> [R] {
        let count = items.count
        guard count > chunk else { return items.map(transform) }
        let results = ResultSlots<R>(count: count)
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * chunk
            for i in start..<min(start + chunk, count) {
                results.set(i, transform(items[i]))
            }
        }
        return results.values
    }
}

/// Slots each written by exactly one iteration of `concurrentPerform`, read after it returns.
/// Raw memory, so that concurrent writes to different slots never touch shared state.
private final class ResultSlots<R>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<R?>
    private let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func set(_ i: Int, _ value: R) { base[i] = value }

    var values: [R] { (0..<count).map { base[$0]! } }
}
