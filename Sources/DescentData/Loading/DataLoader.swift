import Descent

/// Turns a dataset into batches, epoch by epoch (PyTorch's `DataLoader`).
///
/// Each epoch visits the samples in order, or — with `shuffle` — in a permutation drawn from
/// ``SampleRandomness/shuffleGenerator(seed:epoch:)``; cuts them into batches of ``batchSize`` (the last one
/// smaller, or dropped with `dropLast`); applies ``transform`` to each sample with its own generator
/// ``SampleRandomness/generator(seed:epoch:index:)`` (index = the sample's index in the dataset); and joins the
/// samples with ``collation``. The batches of an epoch therefore depend only on (dataset, settings, seed,
/// epoch) — never on `workers`, thread timing or how many epochs came before.
///
/// With `workers > 0`, batches are prepared ahead on that many background threads, at most
/// `workers × prefetch` batches ahead of the consumer, so loading and transforms overlap the training step;
/// batches still arrive in order. Abandoning an epoch's iteration early stops its workers.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 64, shuffle: true, seed: 1, transform: Normalize(stats), workers: 2)
/// for epoch in 0..<10 {
///     for batch in loader.epoch(epoch) { /* batch.inputs [64, 1, 28, 28], batch.labels */ }
/// }
/// ```
public struct DataLoader: Sendable {
    /// The dataset batches are drawn from.
    public let dataset: any Dataset
    /// Samples per batch.
    public let batchSize: BatchSize
    /// Whether each epoch visits the samples in a fresh random order.
    public let shuffle: Bool
    /// Whether an incomplete last batch is dropped.
    public let dropLast: Bool
    /// Seed of the shuffles and of the transforms' randomness.
    public let seed: UInt64
    /// Applied to every sample before collation.
    public let transform: (any Transform)?
    /// How samples are joined into a batch.
    public let collation: Collation
    /// Background threads preparing batches (0: batches are made on the iterating thread when asked for).
    public let workers: Int
    /// Batches each worker may prepare ahead of the consumer.
    public let prefetch: Int
    /// The rank's slice of each batch in data-parallel training (``sharded(_:)``); `nil`: whole batches.
    public internal(set) var shard: DataShard?
    /// Each sample's length, when batches group samples of similar length (``bucketed(by:poolBatches:)``).
    public internal(set) var bucketLengths: [Int]?
    /// Batches per pool sorted by length when bucketing.
    public internal(set) var bucketPoolBatches = 50

    /// A loader over `dataset`.
    ///
    /// - Parameters:
    ///   - batchSize: `.full`, `1` or `B` (must be positive).
    ///   - shuffle: visit samples in a new random order each epoch.
    ///   - dropLast: drop the last batch of an epoch when it has fewer than `batchSize` samples.
    ///   - seed: seed of shuffling and of per-sample transform randomness.
    ///   - transform: applied to each sample (see ``Transform``).
    ///   - collation: how samples are joined (default: stacking equal shapes).
    ///   - workers: background threads (0 = none).
    ///   - prefetch: batches prepared ahead per worker (at least 1).
    public init(
        _ dataset: any Dataset, batchSize: BatchSize, shuffle: Bool = false, dropLast: Bool = false,
        seed: UInt64 = 0, transform: (any Transform)? = nil, collation: Collation = .stack,
        workers: Int = 0, prefetch: Int = 2
    ) {
        if case .size(let b) = batchSize { precondition(b > 0, "DataLoader: batch size must be positive, got \(b)") }
        precondition(workers >= 0, "DataLoader: workers must be non-negative, got \(workers)")
        precondition(prefetch >= 1, "DataLoader: prefetch must be at least 1, got \(prefetch)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.transform = transform
        self.collation = collation
        self.workers = workers
        self.prefetch = prefetch
    }

    /// Samples per batch for this dataset.
    public var resolvedBatchSize: Int { batchSize.resolved(count: dataset.count) }

    /// Number of batches in each epoch.
    public var batchesPerEpoch: Int {
        let n = dataset.count, b = resolvedBatchSize
        return dropLast ? n / b : (n + b - 1) / b
    }

    /// The dataset indices in the order `epoch` visits them (all of them, before batching): in order, or shuffled
    /// — by the dataset's own ``EpochOrdering/shuffledOrder(seed:epoch:)`` when it has one (``ImageShards``),
    /// else a uniform permutation.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        if let ordered = Self.ownOrder(of: dataset, seed: seed, epoch: epoch) { return ordered }
        return SampleRandomness.shuffleGenerator(seed: seed, epoch: epoch).permutation(dataset.count)
    }

    /// The shuffled order of `dataset` when it has one of its own: an ``EpochOrdering`` dataset's, also through
    /// ``AnyDataset`` and ``Subset`` (a split keeps its samples in the order the whole dataset visits them).
    static func ownOrder(of dataset: any Dataset, seed: UInt64, epoch: Int) -> [Int]? {
        if let any = dataset as? AnyDataset { return ownOrder(of: any.base, seed: seed, epoch: epoch) }
        if let ordering = dataset as? any EpochOrdering { return ordering.shuffledOrder(seed: seed, epoch: epoch) }
        guard let subset = dataset as? any SubsetOfDataset,
            let whole = ownOrder(of: subset.wholeDataset, seed: seed, epoch: epoch)
        else { return nil }
        var position = [Int](repeating: -1, count: subset.wholeDataset.count)
        for (k, i) in subset.indices.enumerated() {
            if position[i] >= 0 { return nil }  // an index twice: no order of the whole fits
            position[i] = k
        }
        return whole.compactMap { position[$0] >= 0 ? position[$0] : nil }
    }

    /// The dataset indices of each batch of `epoch` (with a ``shard``, this rank's slice of each).
    public func batchIndices(epoch: Int) -> [[Int]] {
        let global = globalBatchIndices(epoch: epoch)
        guard let shard else { return global }
        return global.map { shard.slice($0) }
    }

    /// The dataset indices of each whole batch of `epoch`, over all ranks (ignoring ``shard``).
    public func globalBatchIndices(epoch: Int) -> [[Int]] {
        var order = order(epoch: epoch)
        let b = resolvedBatchSize
        if let lengths = bucketLengths {
            let pool = b * bucketPoolBatches
            order = stride(from: 0, to: order.count, by: pool).flatMap { start in
                order[start..<Swift.min(start + pool, order.count)].enumerated()
                    .sorted { (lengths[$0.element], $0.offset) < (lengths[$1.element], $1.offset) }
                    .map(\.element)
            }
        }
        var batches = (0..<batchesPerEpoch).map { k in Array(order[(k * b)..<Swift.min((k + 1) * b, order.count)]) }
        if bucketLengths != nil && shuffle {
            // The batches' order, shuffled with a generator of its own; a short last batch stays last.
            let whole = batches.last.map { $0.count == b } ?? true ? batches.count : batches.count - 1
            let permutation = SampleRandomness.shuffleGenerator(seed: seed ^ 0x6275_636B_6574_7321, epoch: epoch)
                .permutation(whole)
            batches = permutation.map { batches[$0] } + batches[whole...]
        }
        return batches
    }

    /// This loader with batches of samples of similar length, so that padding them wastes little (torchtext's
    /// `BucketIterator`): each epoch's order (shuffled or not) is cut into pools of `poolBatches` batches, each
    /// pool is sorted by `lengths` (ties kept in order), cut into batches, and, when shuffling, the batches'
    /// order is shuffled (a short last batch stays last). Batches still depend only on (dataset, settings, seed,
    /// epoch), so resuming part-way through an epoch gives the same batches.
    public func bucketed(by lengths: [Int], poolBatches: Int = 50) -> DataLoader {
        precondition(
            lengths.count == dataset.count, "DataLoader: \(lengths.count) lengths for \(dataset.count) samples")
        precondition(poolBatches >= 1, "DataLoader: poolBatches must be ≥ 1, got \(poolBatches)")
        var copy = self
        copy.bucketLengths = lengths
        copy.bucketPoolBatches = poolBatches
        return copy
    }

    /// The samples at `indices`, transformed for `epoch`, joined into a batch (on the calling thread); no
    /// indices give an empty batch (inputs of shape `[0]`, a shard's share of a batch smaller than the ranks).
    ///
    /// - Throws: the transform's errors, and ``DescentError`` of kind `.shape` when the samples cannot be
    ///   joined (inputs of different shapes without padding, mixed target kinds).
    public func makeBatch(indices: [Int], epoch: Int) throws -> Batch {
        if indices.isEmpty { return Batch(inputs: .zeros([0]), labels: nil, targets: nil, indices: []) }
        let samples = try indices.map { i -> Sample in
            let s = try dataset.loadSample(at: i)
            guard let transform else { return s }
            return try transform(s, generator: SampleRandomness.generator(seed: seed, epoch: epoch, index: i))
        }
        return try collation.collate(samples, indices: indices)
    }

    /// Batch `index` of `epoch`, made on the calling thread (the same batch iteration gives).
    public func batch(_ index: Int, epoch: Int) throws -> Batch {
        let all = batchIndices(epoch: epoch)
        precondition(index >= 0 && index < all.count, "DataLoader: batch \(index) out of range 0..<\(all.count)")
        return try makeBatch(indices: all[index], epoch: epoch)
    }

    /// The batches of `epoch`, in order: `for batch in loader.epoch(e) { ... }`.
    public func epoch(_ epoch: Int) -> EpochBatches { EpochBatches(loader: self, epoch: epoch) }

    /// The batches of `epoch` from batch `start` on (resuming an epoch part-way: the batches are the same as
    /// those of ``epoch(_:)`` at the same positions).
    public func epoch(_ epoch: Int, from start: Int) -> EpochBatches {
        precondition(
            start >= 0 && start <= batchesPerEpoch,
            "DataLoader: start batch \(start) out of range 0...\(batchesPerEpoch)")
        return EpochBatches(loader: self, epoch: epoch, start: start)
    }
}

/// A dataset that, when shuffled, is visited in an order of its own rather than a uniform permutation (tar shards:
/// shard order, then a shuffle buffer), a function of (seed, epoch) alone so that batches stay reproducible.
public protocol EpochOrdering: Dataset {
    /// A permutation of `0..<count` for `epoch`.
    func shuffledOrder(seed: UInt64, epoch: Int) -> [Int]
}

/// A ``Subset``, seen without its base's type.
protocol SubsetOfDataset {
    /// The dataset the subset is taken from.
    var wholeDataset: any Dataset { get }
    /// The indices in it.
    var indices: [Int] { get }
}

extension Subset: SubsetOfDataset {
    var wholeDataset: any Dataset { base }
}
