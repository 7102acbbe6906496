import Descent

/// A transform from a closure, for one-off preprocessing or augmentation that has no type of its own. The
/// closure must draw any randomness from the generator it is given.
public struct CustomTransform: Transform {
    /// The mapping.
    public let body: @Sendable (Sample, RandomGenerator) throws -> Sample

    /// A transform that calls `body`.
    public init(_ body: @escaping @Sendable (Sample, RandomGenerator) throws -> Sample) { self.body = body }

    /// `body(sample, generator)`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        try body(sample, generator)
    }
}
