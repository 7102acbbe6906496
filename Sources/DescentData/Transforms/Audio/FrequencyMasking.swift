import Descent

/// SpecAugment frequency masking, as `torchaudio.transforms.FrequencyMasking`: a band of consecutive frequency
/// bins of width below `freqMaskParam` is set to `maskValue`.
///
/// With draws `u₁, u₂` from the generator: `v = u₁ · F′`, `v₀ = u₂ · (bins − v)`, bins
/// `[trunc(v₀), trunc(v₀) + trunc(v))` masked, where `F′ = freqMaskParam` (or `min(freqMaskParam, bins · p)`
/// when `p < 1`). See ``SpectrogramMask``.
public struct FrequencyMasking: SpectrogramMasking {
    /// Masks the frequency axis (second to last).
    public static var axis: SpectrogramMask.Axis { .frequency }
    /// Upper bound (exclusive) of the mask width, in frequency bins.
    public let freqMaskParam: Int
    /// Whether each example and channel of a 4-D batch `[batch, channel, freq, time]` gets its own mask.
    public let iidMasks: Bool
    /// Largest fraction of the frequency bins that may be masked (1 = no limit beyond `freqMaskParam`).
    public let p: Float
    /// The value written into the masked band.
    public let maskValue: Float
    /// ``freqMaskParam``.
    public var maskParam: Int { freqMaskParam }

    /// Frequency masking with torchaudio's defaults: one shared mask, `p` 1, mask value 0.
    public init(freqMaskParam: Int, iidMasks: Bool = false, p: Float = 1, maskValue: Float = 0) {
        SpectrogramMask.checkSettings("FrequencyMasking", "freqMaskParam", freqMaskParam, p: p)
        self.freqMaskParam = freqMaskParam
        self.iidMasks = iidMasks
        self.p = p
        self.maskValue = maskValue
    }
}
