import Descent

/// SpecAugment time masking, as `torchaudio.transforms.TimeMasking`: a band of consecutive frames of width
/// below `timeMaskParam` is set to `maskValue`.
///
/// With draws `u₁, u₂` from the generator: `v = u₁ · T′`, `v₀ = u₂ · (frames − v)`, frames
/// `[trunc(v₀), trunc(v₀) + trunc(v))` masked, where `T′ = timeMaskParam` (or `min(timeMaskParam, frames · p)`
/// when `p < 1`). See ``SpectrogramMask``.
public struct TimeMasking: SpectrogramMasking {
    /// Masks the time axis (the last).
    public static var axis: SpectrogramMask.Axis { .time }
    /// Upper bound (exclusive) of the mask width, in frames.
    public let timeMaskParam: Int
    /// Whether each example and channel of a 4-D batch `[batch, channel, freq, time]` gets its own mask.
    public let iidMasks: Bool
    /// Largest fraction of the frames that may be masked (1 = no limit beyond `timeMaskParam`).
    public let p: Float
    /// The value written into the masked band.
    public let maskValue: Float
    /// ``timeMaskParam``.
    public var maskParam: Int { timeMaskParam }

    /// torchaudio's `TimeMasking` default `iid_masks`, false (one mask for the whole batch).
    public static let defaultIIDMasks = false
    /// torchaudio's `TimeMasking` default `p`, 1.
    public static let defaultP: Float = 1
    /// torchaudio's `TimeMasking` default `mask_value`, 0 (an argument of its `forward`).
    public static let defaultMaskValue: Float = 0

    /// Time masking with torchaudio's defaults: one shared mask, `p` 1, mask value 0.
    public init(
        timeMaskParam: Int, iidMasks: Bool = defaultIIDMasks, p: Float = defaultP,
        maskValue: Float = defaultMaskValue
    ) {
        SpectrogramMask.checkSettings("TimeMasking", "timeMaskParam", timeMaskParam, p: p)
        self.timeMaskParam = timeMaskParam
        self.iidMasks = iidMasks
        self.p = p
        self.maskValue = maskValue
    }
}
