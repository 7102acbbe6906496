/// One rank's part of every batch in data-parallel training (PyTorch's `DistributedSampler`, cut per batch):
/// each global batch of `n` samples is split into `count` contiguous slices, rank `r` taking
/// `n / count + (r < n % count ? 1 : 0)` samples starting at `r · (n / count) + min(r, n % count)`. The slices
/// are disjoint and cover the batch in order, so the global order of samples is the one-process order.
public struct DataShard: Sendable, Equatable, Codable {
    /// This rank, `0..<count`.
    public var rank: Int
    /// The number of ranks.
    public var count: Int

    /// Rank `rank` of `count` (`0 ≤ rank < count`).
    public init(rank: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(rank), "DataShard: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    /// The positions `lower..<upper` of this rank's slice in a global batch of `n` samples.
    public func range(in n: Int) -> Range<Int> {
        let base = n / count, extra = n % count
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// This rank's slice of `batch` (possibly empty when the batch has fewer samples than ranks).
    public func slice(_ batch: [Int]) -> [Int] { Array(batch[range(in: batch.count)]) }
}

extension DataLoader {
    /// This loader with every batch cut to `shard`'s slice (``DataShard``); `nil` restores whole batches. The
    /// number of batches per epoch stays the global one, and a rank whose slice of a (last, small) batch is empty
    /// receives an empty batch (``Batch/count`` 0) so that it still joins the step's collectives.
    public func sharded(_ shard: DataShard?) -> DataLoader {
        var copy = self
        copy.shard = shard
        return copy
    }
}
