import Descent

/// A SpecAugment masking transform along one axis of a spectrogram (``TimeMasking``, ``FrequencyMasking``): a band
/// of width below ``maskParam`` along ``axis`` is set to ``maskValue``, as ``SpectrogramMask`` draws it.
public protocol SpectrogramMasking: Transform {
    /// The axis masked.
    static var axis: SpectrogramMask.Axis { get }
    /// Upper bound (exclusive) of the mask width along ``axis``.
    var maskParam: Int { get }
    /// Whether each example and channel of a 4-D batch `[batch, channel, freq, time]` gets its own mask.
    var iidMasks: Bool { get }
    /// Largest fraction of the axis that may be masked (1 = no limit beyond ``maskParam``).
    var p: Float { get }
    /// The value written into the masked band.
    var maskValue: Float { get }
}

extension SpectrogramMasking {
    /// `spectrogram` `[..., freq, time]` with a band along ``axis`` masked, drawn from `generator`.
    ///
    /// - Throws: ``DescentError`` when the tensor has fewer than two dimensions.
    public func callAsFunction(_ spectrogram: Tensor, generator: RandomGenerator) throws -> Tensor {
        try SpectrogramMask.mask(
            spectrogram, axis: Self.axis, maskParam: maskParam, maskValue: maskValue,
            iidMasks: iidMasks, p: p, generator: generator)
    }

    /// The sample with its input spectrogram masked; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input, generator: generator), target: sample.target)
    }
}
