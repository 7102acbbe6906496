import Foundation

/// The background preparation of one epoch's batches: `workers` threads take batch numbers in order from a
/// shared counter, make them, and park the results until the consumer takes them in order. At most `ahead`
/// batches beyond the last one taken are started, bounding memory. Releasing its handle (or ``cancel()``) stops
/// the workers: they finish the batch in hand, start no other, and exit before `cancel` returns. The worker
/// threads keep the run alive; the consumer holds it through a ``PrefetchHandle``, whose release cancels it.
final class PrefetchRun: @unchecked Sendable {
    // Every mutable field below is guarded by `condition`.
    private let condition = NSCondition()
    private var nextToStart = 0
    private var taken = 0
    private var ready: [Int: Result<Batch, any Error>] = [:]
    private var cancelled = false
    private var running = 0
    private let batches: Int
    private let ahead: Int

    init(batches: Int, workers: Int, ahead: Int, make: @escaping @Sendable (Int) throws -> Batch) {
        self.batches = batches
        self.ahead = Swift.max(ahead, 1)
        running = workers
        for w in 0..<workers {
            let thread = Thread { [self] in work(make) }
            thread.name = "DataLoader worker \(w)"
            thread.start()
        }
    }

    /// A worker's loop.
    private func work(_ make: @Sendable (Int) throws -> Batch) {
        condition.lock()
        while true {
            while !cancelled && nextToStart < batches && nextToStart >= taken + ahead { condition.wait() }
            if cancelled || nextToStart >= batches { break }
            let k = nextToStart
            nextToStart += 1
            condition.unlock()
            let result = Result { try make(k) }
            condition.lock()
            if !cancelled { ready[k] = result }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for batch `k` (batches must be taken in order 0, 1, 2, ...) and returns it.
    func take(_ k: Int) -> Result<Batch, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while ready[k] == nil { condition.wait() }
        taken = k + 1
        condition.broadcast()
        return ready.removeValue(forKey: k)!
    }

    /// Number of worker threads still running their loop.
    var runningWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    /// Stops the workers and waits until they have exited.
    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}

/// Owns a ``PrefetchRun`` for an iterator: the workers hold the run itself, so this separate owner is what
/// goes away when the iterator does, and its release cancels the run.
final class PrefetchHandle: Sendable {
    /// The run.
    let run: PrefetchRun

    init(_ run: PrefetchRun) { self.run = run }

    deinit { run.cancel() }
}
