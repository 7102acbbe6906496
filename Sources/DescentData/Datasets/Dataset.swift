import Descent

/// What a sample is trained towards: a class index (classification) or a tensor (regression, targets
/// given as probabilities, reconstruction).
public enum Target: Sendable, Equatable {
    /// A class index in `0..<classes`.
    case classIndex(Int)
    /// A tensor target.
    case tensor(Tensor)

    /// The class index, if this is one.
    public var classIndex: Int? {
        if case .classIndex(let c) = self { return c }
        return nil
    }
}

/// One example: an input tensor and its target.
public struct Sample: Sendable {
    /// The input (for an image, `[channels, height, width]`).
    public var input: Tensor
    /// The target.
    public var target: Target

    /// Creates a sample.
    public init(input: Tensor, target: Target) {
        self.input = input
        self.target = target
    }
}

/// A dataset: a number of samples and random access to each (PyTorch's map-style `Dataset`).
///
/// `sample(at:)` must be safe to call from several threads at once (the ``DataLoader`` prepares batches on
/// worker threads), and must give the same sample for the same index every time.
public protocol Dataset: Sendable {
    /// Number of samples.
    var count: Int { get }
    /// The sample at `index` in `0..<count`.
    func sample(at index: Int) -> Sample
    /// The sample at `index`, or the error reading it: what the ``DataLoader`` calls. Datasets that read files
    /// as they go (an image folder) throw a ``DescentError`` naming the file; the default is ``sample(at:)``.
    func loadSample(at index: Int) throws -> Sample
    /// The class index of sample `index`, or `nil` when its target is a tensor. The default reads the sample;
    /// datasets that know their labels without decoding inputs answer directly (stratified splits use this).
    func label(at index: Int) -> Int?
}

extension Dataset {
    /// ``sample(at:)``, for datasets whose samples cannot fail to load.
    public func loadSample(at index: Int) throws -> Sample { sample(at: index) }

    /// The class index of sample `index`, read from `sample(at:)`.
    public func label(at index: Int) -> Int? { sample(at: index).target.classIndex }

    /// The class index of every sample, in order (`nil` for samples with tensor targets).
    public func labels() -> [Int?] { (0..<count).map { label(at: $0) } }
}
