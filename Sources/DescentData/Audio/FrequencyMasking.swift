import Descent

/// SpecAugment frequency masking, as `torchaudio.transforms.FrequencyMasking`: a band of consecutive frequency
/// bins of width below `freqMaskParam` is set to `maskValue`.
///
/// With draws `u₁, u₂` from the generator: `v = u₁ · F′`, `v₀ = u₂ · (bins − v)`, bins
/// `[trunc(v₀), trunc(v₀) + trunc(v))` masked, where `F′ = freqMaskParam` (or `min(freqMaskParam, bins · p)`
/// when `p < 1`). See ``SpectrogramMask``.
public struct FrequencyMasking: Transform {
    /// Upper bound (exclusive) of the mask width, in frequency bins.
    public let freqMaskParam: Int
    /// Whether each example and channel of a 4-D batch `[batch, channel, freq, time]` gets its own mask.
    public let iidMasks: Bool
    /// Largest fraction of the frequency bins that may be masked (1 = no limit beyond `freqMaskParam`).
    public let p: Float
    /// The value written into the masked band.
    public let maskValue: Float

    /// Frequency masking with torchaudio's defaults: one shared mask, `p` 1, mask value 0.
    public init(freqMaskParam: Int, iidMasks: Bool = false, p: Float = 1, maskValue: Float = 0) {
        precondition(freqMaskParam >= 0, "FrequencyMasking: freqMaskParam must be non-negative")
        precondition(p >= 0 && p <= 1, "FrequencyMasking: p must be in [0, 1], got \(p)")
        self.freqMaskParam = freqMaskParam
        self.iidMasks = iidMasks
        self.p = p
        self.maskValue = maskValue
    }

    /// `spectrogram` `[..., freq, time]` with a frequency band masked, drawn from `generator`.
    ///
    /// - Throws: ``DescentError`` when the tensor has fewer than two dimensions.
    public func callAsFunction(_ spectrogram: Tensor, generator: RandomGenerator) throws -> Tensor {
        try SpectrogramMask.mask(spectrogram, axis: .frequency, maskParam: freqMaskParam, maskValue: maskValue,
                                 iidMasks: iidMasks, p: p, generator: generator)
    }

    /// The sample with its input spectrogram masked; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input, generator: generator), target: sample.target)
    }
}
