import Descent
import Foundation

/// Stretches a complex STFT in time without changing its pitch, with the phase vocoder of
/// `torchaudio.transforms.TimeStretch` / `torchaudio.functional.phase_vocoder`.
///
/// Output frame `i` reads the input at `s = i · rate` (`⌈frames / rate⌉` frames; input frames past the end are
/// zero): with `α = s mod 1`, `a = ⌊s⌋`, magnitude `(1 − α)·|X_a| + α·|X_{a+1}|` and phase
/// `φ_i = ∠X_0 + Σ_{j<i} (ω + princarg(∠X_{a_j+1} − ∠X_{a_j} − ω))`, where `ω_k = π · hopLength · k / (nFreq − 1)`
/// is the expected phase advance of bin `k` per hop and `princarg` wraps to `[−π, π]`. Rates above 1 speed up.
///
/// Complex tensors are real tensors with a trailing dimension of 2 (real, imaginary), `[..., nFreq, frames, 2]`,
/// as produced by ``STFT`` or ``Spectrogram`` with `power: nil`.
public struct TimeStretch: Transform {
    /// Samples between STFT frames.
    public let hopLength: Int
    /// Number of frequency bins of the input.
    public let nFreq: Int
    /// The rate used by the ``Transform`` conformance: fixed, or drawn uniformly from a range per sample.
    public let rate: ClosedRange<Double>
    /// Expected phase advance per hop of each bin, `ω_k = π · hopLength · k / (nFreq − 1)` (float32 linspace).
    public let phaseAdvance: [Float]

    /// A stretch with torchaudio's defaults (`nFreq` 201, `hopLength = nFFT / 2` with `nFFT = 2·(nFreq − 1)`)
    /// and a fixed rate.
    public init(hopLength: Int? = nil, nFreq: Int = 201, fixedRate: Double = 1) {
        self.init(hopLength: hopLength, nFreq: nFreq, rateRange: fixedRate...fixedRate)
    }

    /// A stretch whose rate is drawn per sample as `low + u · (high − low)`, `u` uniform in `[0, 1)` from the
    /// sample's generator (the torchaudio tutorial's random rate).
    public init(hopLength: Int? = nil, nFreq: Int = 201, rateRange: ClosedRange<Double>) {
        precondition(nFreq >= 2, "TimeStretch: nFreq must be at least 2, got \(nFreq)")
        precondition(rateRange.lowerBound > 0, "TimeStretch: rates must be positive, got \(rateRange)")
        let hop = hopLength ?? (nFreq - 1)
        self.hopLength = hop
        self.nFreq = nFreq
        self.rate = rateRange
        self.phaseAdvance = MelScale.linspace(0, Float(Double.pi * Double(hop)), nFreq)
    }

    /// `complex` `[..., nFreq, frames, 2]` stretched by `rate`: `[..., nFreq, ⌈frames / rate⌉, 2]`.
    ///
    /// - Throws: ``DescentError`` when the shape is not `[..., nFreq, frames, 2]`.
    public func callAsFunction(_ complex: Tensor, rate: Double) throws -> Tensor {
        let r = complex.rank
        guard r >= 3, complex.shape[r - 1] == 2, complex.shape[r - 3] == nFreq else {
            throw DescentError(
                .shape, "TimeStretch",
                "expected a complex STFT [..., \(nFreq), frames, 2], got \(complex.shape)")
        }
        precondition(rate > 0, "TimeStretch: rate must be positive, got \(rate)")
        if rate == 1 { return complex }
        let frames = complex.shape[r - 2]
        let lead = Array(complex.shape.dropLast(3))
        let batch = Shape.count(lead)
        // torch.arange(0, frames, rate) in float32 (values computed in double, then rounded).
        let outFrames = Int((Double(frames) / rate).rounded(.up))
        let steps = (0..<outFrames).map { Float(Double($0) * rate) }
        let alphas = steps.map { Foundation.fmodf($0, 1) }
        let index0 = steps.map { Int($0) }, index1 = steps.map { Int($0 + 1) }
        let twoPi = Float(2 * Double.pi)
        var out = [Float](repeating: 0, count: batch * nFreq * outFrames * 2)
        complex.withUnsafeBufferPointer { z in
            for b in 0..<batch {
                for k in 0..<nFreq {
                    let base = (b * nFreq + k) * frames
                    func at(_ t: Int) -> (Float, Float) {
                        t < frames ? (z[(base + t) * 2], z[(base + t) * 2 + 1]) : (0, 0)
                    }
                    let advance = phaseAdvance[k]
                    let (re0, im0) = at(0)
                    var acc = Foundation.atan2f(im0, re0)
                    for i in 0..<outFrames {
                        let (ar, ai) = at(index0[i]), (br, bi) = at(index1[i])
                        let norm0 = Foundation.hypotf(ar, ai), norm1 = Foundation.hypotf(br, bi)
                        let mag = alphas[i] * norm1 + (1 - alphas[i]) * norm0
                        let o = ((b * nFreq + k) * outFrames + i) * 2
                        out[o] = mag * Foundation.cos(acc)
                        out[o + 1] = mag * Foundation.sin(acc)
                        var phase = Foundation.atan2f(bi, br) - Foundation.atan2f(ai, ar) - advance
                        phase = phase - twoPi * (phase / twoPi).rounded(.toNearestOrEven)
                        acc += phase + advance
                    }
                }
            }
        }
        return Tensor(out, shape: lead + [nFreq, outFrames, 2])
    }

    /// The sample with its complex STFT input stretched; the rate is the fixed one, or drawn from `generator`
    /// (one `uniformFloat`) when ``rate`` is a range. The target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let r =
            rate.lowerBound == rate.upperBound
            ? rate.lowerBound
            : rate.lowerBound + Double(generator.uniformFloat()) * (rate.upperBound - rate.lowerBound)
        return Sample(input: try self(sample.input, rate: r), target: sample.target)
    }
}
