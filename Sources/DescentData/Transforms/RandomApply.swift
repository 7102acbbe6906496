import Descent

/// Applies a transform with probability `p`, else leaves the sample unchanged (torchvision's `RandomApply`).
/// The coin is one uniform draw from the sample's generator, taken before the wrapped transform draws.
public struct RandomApply: Transform {
    /// Probability of applying `transform`, in [0, 1].
    public let p: Float
    /// The transform applied with probability `p`.
    public let transform: any Transform

    /// Applies `transform` with probability `p`.
    public init(p: Float, _ transform: any Transform) {
        precondition(p >= 0 && p <= 1, "RandomApply: p = \(p) is not a probability")
        self.p = p
        self.transform = transform
    }

    /// The transformed sample with probability `p`, else `sample`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        generator.uniformFloat() < p ? try transform(sample, generator: generator) : sample
    }
}
