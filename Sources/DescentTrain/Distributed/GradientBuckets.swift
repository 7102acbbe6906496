/// How gradients are grouped for the all-reduce (PyTorch DDP's buckets): parameters in reverse registration
/// order — the order backward finishes them — packed into flat buffers of at most `capBytes` each (a parameter
/// larger than the cap gets a bucket of its own), so that a few large collectives replace many small ones.
public struct GradientBuckets: Sendable, Equatable {
    /// One flat buffer: the parameters it holds (indices into the parameter list) and where each starts.
    public struct Bucket: Sendable, Equatable {
        /// Indices of the parameters in this bucket, in packing order.
        public var parameters: [Int]
        /// Offset (in elements) of each parameter in the buffer.
        public var offsets: [Int]
        /// Elements in the buffer: `Σ count`.
        public var count: Int
    }

    /// The buckets, in the order they are reduced.
    public var buckets: [Bucket]

    /// Buckets for parameters of `counts` elements each (`Float`, 4 bytes), at most `capBytes` per bucket.
    public init(counts: [Int], capBytes: Int) {
        precondition(capBytes > 0, "GradientBuckets: capBytes must be positive, got \(capBytes)")
        let capElements = Swift.max(1, capBytes / MemoryLayout<Float>.stride)
        var buckets: [Bucket] = []
        var current = Bucket(parameters: [], offsets: [], count: 0)
        for index in counts.indices.reversed() {
            if !current.parameters.isEmpty && current.count + counts[index] > capElements {
                buckets.append(current)
                current = Bucket(parameters: [], offsets: [], count: 0)
            }
            current.parameters.append(index)
            current.offsets.append(current.count)
            current.count += counts[index]
        }
        if !current.parameters.isEmpty { buckets.append(current) }
        self.buckets = buckets
    }
}
