/// The samples of a dataset at chosen indices, in the order given (PyTorch's `Subset`); splits return these.
public struct Subset<Base: Dataset>: Dataset {
    /// The dataset the samples come from.
    public let base: Base
    /// The index in `base` of each sample of the subset.
    public let indices: [Int]

    /// The samples of `base` at `indices`.
    public init(_ base: Base, indices: [Int]) {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < base.count }, "Subset: an index is outside 0..<\(base.count)")
        self.base = base
        self.indices = indices
    }

    /// Number of chosen samples.
    public var count: Int { indices.count }

    /// Sample `base[indices[index]]`.
    public func sample(at index: Int) -> Sample { base.sample(at: indices[index]) }
    /// Sample `base[indices[index]]`, or its error.
    public func loadSample(at index: Int) throws -> Sample { try base.loadSample(at: indices[index]) }

    /// The label of `base[indices[index]]`.
    public func label(at index: Int) -> Int? { base.label(at: indices[index]) }
}

extension Dataset {
    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Subset<Self> { Subset(self, indices: indices) }
}
