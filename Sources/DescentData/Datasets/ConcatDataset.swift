/// Several datasets one after another (PyTorch's `ConcatDataset`): the samples of the first, then of the
/// second, and so on.
public struct ConcatDataset: Dataset {
    /// The datasets, in order.
    public let parts: [any Dataset]
    /// `offsets[i]` is the index of the first sample of `parts[i]`; the last element is `count`.
    let offsets: [Int]

    /// The concatenation of `parts`.
    public init(_ parts: [any Dataset]) {
        self.parts = parts
        var o = [0]
        for p in parts { o.append(o.last! + p.count) }
        offsets = o
    }

    /// Total number of samples.
    public var count: Int { offsets.last! }

    /// The part holding sample `index`, and the index inside it.
    func locate(_ index: Int) -> (part: Int, index: Int) {
        precondition(index >= 0 && index < count, "ConcatDataset: index \(index) out of range 0..<\(count)")
        var lo = 0, hi = parts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, index - offsets[lo])
    }

    /// Sample `index` of the concatenation.
    public func sample(at index: Int) -> Sample {
        let (p, i) = locate(index)
        return parts[p].sample(at: i)
    }

    /// Sample `index` of the concatenation, or its error.
    public func loadSample(at index: Int) throws -> Sample {
        let (p, i) = locate(index)
        return try parts[p].loadSample(at: i)
    }

    /// The label of sample `index` of the concatenation.
    public func label(at index: Int) -> Int? {
        let (p, i) = locate(index)
        return parts[p].label(at: i)
    }
}
