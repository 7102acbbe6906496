import Descent

/// Adds Gaussian noise to every input value (torchvision v2's `GaussianNoise`):
/// `out = x + mean + std·n` with `n ~ N(0, 1)` drawn per value from the sample's generator (one
/// ``RandomGenerator/normal(_:mean:std:)`` tensor), then clamped to [0, 1] when `clip` is set.
public struct GaussianNoise: Transform {
    /// Mean of the noise.
    public let mean: Float
    /// Standard deviation of the noise.
    public let std: Float
    /// Whether the result is clamped to [0, 1].
    public let clip: Bool

    /// torchvision v2's `GaussianNoise` default `mean`, 0.
    public static let defaultMean: Float = 0
    /// torchvision v2's `GaussianNoise` default `sigma`, 0.1.
    public static let defaultStd: Float = 0.1
    /// torchvision v2's `GaussianNoise` default `clip`, true.
    public static let defaultClip = true

    /// Noise with standard deviation `std` (default 0.1), mean `mean` (default 0), clamped to [0, 1] by default.
    public init(mean: Float = defaultMean, std: Float = defaultStd, clip: Bool = defaultClip) {
        precondition(std >= 0 && std.isFinite, "GaussianNoise: std must be non-negative, got \(std)")
        self.mean = mean
        self.std = std
        self.clip = clip
    }

    /// The sample with noise added to its input. Works on any input shape.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        var x = sample.input.clone()
        let noise = generator.normal(x.shape, mean: mean, std: std)
        noise.withUnsafeBufferPointer { n in
            x.withUnsafeMutableBufferPointer { p in
                for k in 0..<p.count {
                    let v = p[k] + n[k]
                    p[k] = clip ? min(max(v, 0), 1) : v
                }
            }
        }
        return Sample(input: x, target: sample.target)
    }
}
