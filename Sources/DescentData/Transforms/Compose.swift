import Descent

/// Transforms applied one after another, all drawing from the same sample generator in turn
/// (torchvision's `Compose`).
public struct Compose: Transform {
    /// The transforms, in the order they are applied.
    public let transforms: [any Transform]

    /// Applies `transforms` in order.
    public init(_ transforms: [any Transform]) { self.transforms = transforms }

    /// Applies `transforms` in order.
    public init(_ transforms: any Transform...) { self.transforms = transforms }

    /// The sample after every transform.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        var s = sample
        for t in transforms { s = try t(s, generator: generator) }
        return s
    }
}
