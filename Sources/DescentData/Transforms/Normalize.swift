import Descent

/// Normalises each input channel: `(x - mean[c]) / std[c]` for the values of channel `c`, the first axis of
/// the input (torchvision's `Normalize`; for a feature vector `[F]` each feature is a channel). A single mean
/// and deviation apply to every channel. Deterministic: the generator is not used.
public struct Normalize: Transform {
    /// Mean of each channel (or one for all).
    public let mean: [Float]
    /// Standard deviation of each channel (or one for all).
    public let std: [Float]

    /// Normalisation with the given per-channel means and deviations (deviations must be positive).
    public init(mean: [Float], std: [Float]) {
        precondition(
            mean.count == std.count && !mean.isEmpty, "Normalize: \(mean.count) means and \(std.count) deviations")
        precondition(
            std.allSatisfy { $0 > 0 && $0.isFinite }, "Normalize: standard deviations must be positive, got \(std)")
        self.mean = mean
        self.std = std
    }

    /// Normalisation with statistics computed on a (training) dataset; a channel with zero deviation (a
    /// constant feature) is only centred, so it becomes 0 instead of a division by zero (scikit-learn's
    /// `StandardScaler` likewise uses a scale of 1 for zero-variance features).
    public init(_ statistics: ChannelStatistics) {
        self.init(mean: statistics.mean, std: statistics.std.map { $0 > 0 ? $0 : 1 })
    }

    /// The sample with its input normalised.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input's channel count differs from the number of
    ///   means (and that is not 1).
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let x = sample.input
        let channels = x.rank == 0 ? 1 : x.shape[0]
        guard mean.count == 1 || mean.count == channels else {
            throw DescentError(
                .shape, "Normalize",
                "input of shape \(x.shape) has \(channels) channels, but \(mean.count) means and deviations are given")
        }
        let perChannel = channels == 0 ? 0 : x.count / channels
        // One pass from the input into a new tensor (the input's storage is shared with the caller's sample, so
        // normalising it in place would copy it first).
        var y = Tensor.zeros(x.shape)
        x.withUnsafeBufferPointer { p in
            y.withUnsafeMutableBufferPointer { q in
                for c in 0..<channels {
                    let m = mean.count == 1 ? mean[0] : mean[c]
                    let inv = 1 / (std.count == 1 ? std[0] : std[c])
                    for j in (c * perChannel)..<((c + 1) * perChannel) { q[j] = (p[j] - m) * inv }
                }
            }
        }
        return Sample(input: y, target: sample.target)
    }
}
