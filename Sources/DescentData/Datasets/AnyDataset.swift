/// A type-erased dataset, so that generic helpers (splits, subsets) work on a dataset chosen at run time.
public struct AnyDataset: Dataset {
    /// The wrapped dataset.
    public let base: any Dataset

    /// Wraps `base`.
    public init(_ base: any Dataset) { self.base = base }

    /// Number of samples of the wrapped dataset.
    public var count: Int { base.count }
    /// The wrapped dataset's sample.
    public func sample(at index: Int) -> Sample { base.sample(at: index) }
    /// The wrapped dataset's sample, or its error.
    public func loadSample(at index: Int) throws -> Sample { try base.loadSample(at: index) }
    /// The wrapped dataset's label (without decoding the input when it can).
    public func label(at index: Int) -> Int? { base.label(at: index) }
}
