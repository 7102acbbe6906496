import Descent

/// SpecAugment masking along one of the last two axes of a spectrogram, as
/// `torchaudio.functional.mask_along_axis` (shared by ``TimeMasking`` and ``FrequencyMasking``).
///
/// From two uniform draws `u₁, u₂ ∈ [0, 1)`: `v = u₁ · maskParam`, `v₀ = u₂ · (size − v)` (float32), and the
/// masked indices are `[trunc(v₀), trunc(v₀) + trunc(v))` — so the width is below `maskParam` — set to `maskValue`.
public enum SpectrogramMask {
    /// Which of the last two axes is masked.
    public enum Axis: Sendable {
        /// The frequency axis, second to last (`[..., freq, time]`).
        case frequency
        /// The time axis, last.
        case time
    }

    /// The masked index range `[trunc(v₀), trunc(v₀) + trunc(v))` for draws `u1`, `u2`, where
    /// `v = u1 · maskParam` and `v₀ = u2 · (size − v)`, clamped to `0..<size`.
    public static func interval(maskParam: Int, size: Int, u1: Float, u2: Float) -> Range<Int> {
        let value = u1 * Float(maskParam)
        let minValue = u2 * (Float(size) - value)
        let start = Int(minValue), end = Int(minValue) + Int(value)
        let lo = min(max(start, 0), size), hi = min(max(end, lo), size)
        return lo..<hi
    }

    /// Stops unless `maskParam` (named `paramName` in `transform`'s message) is non-negative and `p` is in [0, 1].
    static func checkSettings(_ transform: String, _ paramName: String, _ maskParam: Int, p: Float) {
        precondition(maskParam >= 0, "\(transform): \(paramName) must be non-negative")
        precondition(p >= 0 && p <= 1, "\(transform): p must be in [0, 1], got \(p)")
    }

    /// The effective mask parameter: `maskParam` when `p` is 1, else `min(maskParam, trunc(size · p))`.
    public static func effectiveParam(_ maskParam: Int, p: Float, size: Int) -> Int {
        p == 1 ? maskParam : min(maskParam, Int(Float(size) * p))
    }

    /// `spectrogram` with indices `range` of `axis` set to `value` in every leading slice.
    ///
    /// - Throws: ``DescentError`` when the tensor has fewer than two dimensions.
    public static func apply(_ spectrogram: Tensor, axis: Axis, range: Range<Int>, value: Float = 0) throws -> Tensor {
        try applyEach(spectrogram, axis: axis, ranges: [range], value: value)
    }

    /// Masks slice `i` of the packed `[slices, freq, time]` view with `ranges[i % ranges.count]`.
    static func applyEach(_ spectrogram: Tensor, axis: Axis, ranges: [Range<Int>], value: Float) throws -> Tensor {
        guard spectrogram.rank >= 2 else {
            throw DescentError(
                .shape, "SpectrogramMask", "expected a spectrogram [..., freq, time], got \(spectrogram.shape)")
        }
        let r = spectrogram.rank
        let nF = spectrogram.shape[r - 2], nT = spectrogram.shape[r - 1]
        let slices = nF * nT == 0 ? 0 : spectrogram.count / (nF * nT)
        var out = spectrogram.clone()
        out.withUnsafeMutableBufferPointer { p in
            for s in 0..<slices {
                let range = ranges[s % ranges.count]
                let base = s * nF * nT
                switch axis {
                case .frequency:
                    for f in range { for t in 0..<nT { p[base + f * nT + t] = value } }
                case .time:
                    for f in 0..<nF { for t in range { p[base + f * nT + t] = value } }
                }
            }
        }
        return out
    }

    /// Masks `spectrogram` `[..., freq, time]` along `axis` with draws from `generator`.
    ///
    /// Without `iidMasks`, one interval (two draws) masks every leading slice, as `mask_along_axis`. With
    /// `iidMasks` and a 4-D `[batch, channel, freq, time]` input, each (batch, channel) slice gets its own
    /// interval, as `mask_along_axis_iid`: first `batch·channel` draws of `u₁`, then as many of `u₂`.
    ///
    /// - Throws: ``DescentError`` when the tensor has fewer than two dimensions.
    public static func mask(
        _ spectrogram: Tensor, axis: Axis, maskParam: Int, maskValue: Float = 0,
        iidMasks: Bool = false, p: Float = 1, generator: RandomGenerator
    ) throws -> Tensor {
        guard spectrogram.rank >= 2 else {
            throw DescentError(
                .shape, "SpectrogramMask", "expected a spectrogram [..., freq, time], got \(spectrogram.shape)")
        }
        let size = spectrogram.shape[spectrogram.rank - (axis == .frequency ? 2 : 1)]
        let param = effectiveParam(maskParam, p: p, size: size)
        if param < 1 { return spectrogram }
        let slices = iidMasks && spectrogram.rank == 4 ? spectrogram.shape[0] * spectrogram.shape[1] : 1
        let u1 = (0..<slices).map { _ in generator.uniformFloat() }
        let u2 = (0..<slices).map { _ in generator.uniformFloat() }
        let ranges = (0..<slices).map { interval(maskParam: param, size: size, u1: u1[$0], u2: u2[$0]) }
        return try applyEach(spectrogram, axis: axis, ranges: ranges, value: maskValue)
    }
}
