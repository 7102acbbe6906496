import Descent

/// The batches of one epoch of a ``DataLoader``, as a sequence (``DataLoader/epoch(_:)``).
///
/// Iterating with `for batch in ...` stops the program with the error's message if a batch cannot be made
/// (a transform error, inputs of different shapes without padding); to handle such errors, iterate with
/// ``Iterator/nextBatch()`` instead:
/// ```swift
/// var it = loader.epoch(e).makeIterator()
/// while let batch = try it.nextBatch() { ... }
/// ```
public struct EpochBatches: Sequence, Sendable {
    /// The loader.
    public let loader: DataLoader
    /// The epoch number (it seeds shuffling and transforms).
    public let epoch: Int
    /// The first batch produced (0 unless resuming part-way through the epoch).
    public var start = 0

    /// Number of batches produced.
    public var count: Int { loader.batchesPerEpoch - start }

    /// Number of batches (so `Array(loader.epoch(e))` reserves the right size).
    public var underestimatedCount: Int { count }

    /// An iterator that starts the loader's workers (if any).
    public func makeIterator() -> Iterator { Iterator(loader: loader, epoch: epoch, start: start) }

    /// Produces the batches of one epoch in order; background workers (if any) stop when it is released.
    /// Copies of an iterator share its workers: advance only one of them.
    public struct Iterator: IteratorProtocol {
        let loader: DataLoader
        let epoch: Int
        let plan: [[Int]]
        var position = 0
        var failed = false
        /// The running workers; released with the iterator, which stops them.
        let handle: PrefetchHandle?

        init(loader: DataLoader, epoch: Int, start: Int) {
            self.loader = loader
            self.epoch = epoch
            self.plan = Array(loader.batchIndices(epoch: epoch).dropFirst(start))
            if loader.workers > 0 && !plan.isEmpty {
                let plan = self.plan
                handle = PrefetchHandle(
                    PrefetchRun(
                        batches: plan.count, workers: Swift.min(loader.workers, plan.count),
                        ahead: loader.workers * loader.prefetch
                    ) { [loader, epoch] k in
                        try loader.makeBatch(indices: plan[k], epoch: epoch)
                    })
            } else {
                handle = nil
            }
        }

        /// The next batch, or `nil` at the end of the epoch (and after an error).
        ///
        /// - Throws: what making the batch threw (a transform error, or a collation ``DescentError``).
        public mutating func nextBatch() throws -> Batch? {
            guard !failed, position < plan.count else { return nil }
            let k = position
            position += 1
            do {
                if let handle { return try handle.run.take(k).get() }
                return try loader.makeBatch(indices: plan[k], epoch: epoch)
            } catch {
                failed = true
                handle?.run.cancel()
                throw error
            }
        }

        /// The next batch, or `nil` at the end of the epoch; an error making a batch stops the program with its
        /// message (use ``nextBatch()`` to handle it).
        public mutating func next() -> Batch? {
            do {
                return try nextBatch()
            } catch {
                preconditionFailure("DataLoader, epoch \(epoch), batch \(position - 1): \(error)")
            }
        }
    }
}
