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

    /// torchaudio's `FrequencyMasking` default `iid_masks`, false (one mask for the whole batch).
    public static let defaultIIDMasks = false
    /// torchaudio's `FrequencyMasking` default `p`, 1.
    public static let defaultP: Float = 1
    /// torchaudio's `FrequencyMasking` default `mask_value`, 0 (an argument of its `forward`).
    public static let defaultMaskValue: Float = 0

    /// Frequency masking with torchaudio's defaults: one shared mask, `p` 1, mask value 0.
    public init(
        freqMaskParam: Int, iidMasks: Bool = defaultIIDMasks, p: Float = defaultP,
        maskValue: Float = defaultMaskValue
    ) {
        SpectrogramMask.checkSettings("FrequencyMasking", "freqMaskParam", freqMaskParam, p: p)
        self.freqMaskParam = freqMaskParam
        self.iidMasks = iidMasks
        self.p = p
        self.maskValue = maskValue
    }
}
