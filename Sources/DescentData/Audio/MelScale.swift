import Descent
import Foundation

/// Maps a linear-frequency spectrogram to the mel scale with a bank of triangular filters, as
/// `torchaudio.transforms.MelScale` (HTK mel scale, no area normalisation).
///
/// `M[..., m, t] = Σ_k fb[k, m] · S[..., k, t]`, where `fb` is ``filterbank(nFreq:fMin:fMax:nMels:sampleRate:)``.
public struct MelScale: Sendable {
    /// Number of mel bands.
    public let nMels: Int
    /// Sample rate of the audio, in Hz.
    public let sampleRate: Int
    /// Lowest frequency, in Hz.
    public let fMin: Float
    /// Highest frequency, in Hz.
    public let fMax: Float
    /// Number of linear frequency bins of the input, `nFFT / 2 + 1`.
    public let nFreq: Int
    /// The filterbank `[nFreq, nMels]` (torchaudio's `fb`).
    public let filterbank: Tensor
    /// Its transpose `[nMels, nFreq]`, the left operand of the GEMM.
    let filterbankT: Tensor

    /// A mel scale with torchaudio's defaults: 128 bands, `fMin` 0, `fMax = sampleRate / 2` (integer division),
    /// `nFreq` 201 (`nFFT` 400).
    public init(nMels: Int = 128, sampleRate: Int = 16000, fMin: Float = 0, fMax: Float? = nil, nFreq: Int = 201) {
        precondition(nMels >= 1 && nFreq >= 2, "MelScale: need nMels ≥ 1 and nFreq ≥ 2, got \(nMels), \(nFreq)")
        let top = fMax ?? Float(sampleRate / 2)
        precondition(fMin >= 0 && fMin < top, "MelScale: need 0 ≤ fMin < fMax, got \(fMin), \(top)")
        self.nMels = nMels
        self.sampleRate = sampleRate
        self.fMin = fMin
        self.fMax = top
        self.nFreq = nFreq
        let fb = MelScale.filterbank(nFreq: nFreq, fMin: fMin, fMax: top, nMels: nMels, sampleRate: sampleRate)
        self.filterbank = fb
        var t = [Float](repeating: 0, count: nFreq * nMels)
        fb.withUnsafeBufferPointer { f in
            for k in 0..<nFreq { for m in 0..<nMels { t[m * nFreq + k] = f[k * nMels + m] } }
        }
        self.filterbankT = Tensor(t, shape: [nMels, nFreq])
    }

    /// HTK mel of a frequency in Hz: `mel = 2595 · log₁₀(1 + f / 700)`.
    public static func hzToMel(_ hz: Double) -> Double { 2595 * Foundation.log10(1 + hz / 700) }

    /// HTK frequency in Hz of a mel value: `f = 700 · (10^(mel / 2595) − 1)`.
    public static func melToHz(_ mel: Double) -> Double { 700 * (Foundation.pow(10, mel / 2595) - 1) }

    /// The triangular filterbank `[nFreq, nMels]` of `torchaudio.functional.melscale_fbanks` (HTK, `norm=None`).
    ///
    /// Bin `k` has frequency `f_k = k · (sampleRate / 2) / (nFreq − 1)` (`sampleRate / 2` in integer division);
    /// the `nMels + 2` corner frequencies `p_i` are equally spaced in mel from `hzToMel(fMin)` to
    /// `hzToMel(fMax)`; filter `m` is `fb[k, m] = max(0, min((f_k − p_m) / (p_{m+1} − p_m),
    /// (p_{m+2} − f_k) / (p_{m+2} − p_{m+1})))`. Computed in float32 in torchaudio's order of operations.
    public static func filterbank(nFreq: Int, fMin: Float, fMax: Float, nMels: Int, sampleRate: Int) -> Tensor {
        let freqs = linspace(0, Float(sampleRate / 2), nFreq)
        let mMin = Float(hzToMel(Double(fMin))), mMax = Float(hzToMel(Double(fMax)))
        let points = linspace(mMin, mMax, nMels + 2).map { (m: Float) -> Float in
            700 * (Foundation.pow(Float(10), m / 2595) - 1)
        }
        var fb = [Float](repeating: 0, count: nFreq * nMels)
        for k in 0..<nFreq {
            for m in 0..<nMels {
                let down = -(points[m] - freqs[k]) / (points[m + 1] - points[m])
                let up = (points[m + 2] - freqs[k]) / (points[m + 2] - points[m + 1])
                fb[k * nMels + m] = max(0, min(down, up))
            }
        }
        return Tensor(fb, shape: [nFreq, nMels])
    }

    /// `torch.linspace` in float32: `start + i·step` for the first half, `end − (steps − 1 − i)·step` after,
    /// with `step = (end − start) / (steps − 1)`.
    static func linspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        if steps == 1 { return [start] }
        let step = (end - start) / Float(steps - 1)
        let half = steps / 2
        return (0..<steps).map { i in i < half ? start + step * Float(i) : end - step * Float(steps - i - 1) }
    }

    /// The mel spectrogram of `spectrogram` `[..., nFreq, frames]`: `[..., nMels, frames]`.
    ///
    /// - Throws: ``DescentError`` when the frequency dimension is not `nFreq`.
    public func callAsFunction(_ spectrogram: Tensor) throws -> Tensor {
        guard spectrogram.rank >= 2, spectrogram.shape[spectrogram.rank - 2] == nFreq else {
            throw DescentError(
                .shape, "MelScale",
                "expected a spectrogram [..., \(nFreq), frames], got \(spectrogram.shape)")
        }
        let lead = Array(spectrogram.shape.dropLast(2)), frames = spectrogram.shape[spectrogram.rank - 1]
        if lead.isEmpty { return filterbankT.matmul(spectrogram) }
        let batched = spectrogram.reshaped([Shape.count(lead), nFreq, frames])
        return filterbankT.matmul(batched).reshaped(lead + [nMels, frames])
    }
}
