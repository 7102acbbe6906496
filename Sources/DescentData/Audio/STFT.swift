import Descent
import Foundation

/// The short-time Fourier transform with `torch.stft`'s conventions (as torchaudio calls it): a periodic
/// Hann window of `winLength` zero-padded to the centre of `nFFT` samples, frames `hopLength` apart, the signal
/// reflect-padded by `nFFT / 2` on both sides when `center` is set, and only the `nFFT / 2 + 1` non-negative
/// frequencies kept (onesided).
///
/// `X[k, t] = Σₙ x[t·hop + n] · w[n] · e^{−2πi·k·n / nFFT}`, for `k` in `0...nFFT/2`.
///
/// All frames are transformed at once as one GEMM, `frames [F, nFFT] · basis [nFFT, 2·nFreq]`, against a
/// precomputed windowed cosine/sine basis, so `nFFT` need not be a power of two.
///
/// A complex result is a real tensor with a trailing dimension of 2 holding (real, imaginary) — the layout
/// of `torch.view_as_real`: a waveform `[..., samples]` gives `[..., nFreq, frames, 2]`.
public struct STFT: Sendable {
    /// Size of the Fourier transform (samples per frame).
    public let nFFT: Int
    /// Length of the Hann window, at most `nFFT`.
    public let winLength: Int
    /// Samples between the starts of successive frames.
    public let hopLength: Int
    /// Whether the signal is reflect-padded by `nFFT / 2` on both sides, so frame `t` is centred on sample
    /// `t · hopLength`.
    public let center: Bool
    /// The window as applied, `nFFT` long: the periodic Hann window of `winLength` with
    /// `(nFFT − winLength) / 2` zeros on its left.
    public let window: [Float]
    /// `[nFFT, 2·nFreq]`: columns `k` hold `w[n]·cos(2πkn/nFFT)`, columns `nFreq + k` hold `−w[n]·sin(2πkn/nFFT)`.
    let basis: Tensor

    /// Number of frequency bins, `nFFT / 2 + 1`.
    public var nFreq: Int { nFFT / 2 + 1 }

    /// A transform with torchaudio's defaults: `nFFT` 400, `winLength = nFFT`, `hopLength = winLength / 2`.
    ///
    /// Parameters are checked with preconditions (`1 ≤ winLength ≤ nFFT`, `hopLength ≥ 1`).
    public init(nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, center: Bool = true) {
        let win = winLength ?? nFFT
        let hop = hopLength ?? max(win / 2, 1)
        precondition(nFFT >= 1, "STFT: nFFT must be positive, got \(nFFT)")
        precondition(win >= 1 && win <= nFFT, "STFT: winLength \(win) must be in 1...nFFT (\(nFFT))")
        precondition(hop >= 1, "STFT: hopLength must be positive, got \(hop)")
        self.nFFT = nFFT
        self.winLength = win
        self.hopLength = hop
        self.center = center
        var w = [Float](repeating: 0, count: nFFT)
        let left = (nFFT - win) / 2
        for (i, v) in STFT.hannWindow(win).enumerated() { w[left + i] = v }
        self.window = w
        let nFreq = nFFT / 2 + 1
        var b = [Float](repeating: 0, count: nFFT * 2 * nFreq)
        for n in 0..<nFFT where w[n] != 0 {
            for k in 0..<nFreq {
                // (k·n) mod nFFT keeps the angle small, so the basis is exact to float precision.
                let angle = 2 * Double.pi * Double((k * n) % nFFT) / Double(nFFT)
                b[n * 2 * nFreq + k] = Float(Double(w[n]) * Foundation.cos(angle))
                b[n * 2 * nFreq + nFreq + k] = Float(-Double(w[n]) * Foundation.sin(angle))
            }
        }
        self.basis = Tensor(b, shape: [nFFT, 2 * nFreq])
    }

    /// The Hann window of `length` samples (`torch.hann_window`):
    /// `w[n] = 0.5 − 0.5·cos(2πn / N)` with `N = length` when `periodic`, `N = length − 1` otherwise.
    public static func hannWindow(_ length: Int, periodic: Bool = true) -> [Float] {
        if length == 1 { return [1] }
        let denominator = Double(periodic ? length : length - 1)
        return (0..<length).map { Float(0.5 - 0.5 * Foundation.cos(2 * Double.pi * Double($0) / denominator)) }
    }

    /// Number of frames for a signal of `samples` samples: `1 + (samples + 2·pad − nFFT) / hopLength`, with
    /// `pad = nFFT / 2` when centred, else 0.
    public func frameCount(samples: Int) -> Int {
        let padded = samples + (center ? 2 * (nFFT / 2) : 0)
        return padded < nFFT ? 0 : 1 + (padded - nFFT) / hopLength
    }

    /// The complex STFT of `waveform` `[..., samples]`: `[..., nFreq, frames, 2]`, (real, imaginary) last.
    ///
    /// - Throws: ``DescentError`` when `waveform` is a scalar, or too short for reflect padding
    ///   (`samples ≤ nFFT / 2`) or for one frame.
    public func callAsFunction(_ waveform: Tensor) throws -> Tensor {
        let (lead, frames, rows) = try framesSpectra(waveform)
        let nFreq = self.nFreq
        let batch = Shape.count(lead)
        var out = [Float](repeating: 0, count: batch * nFreq * frames * 2)
        rows.withUnsafeBufferPointer { r in
            for b in 0..<batch {
                for t in 0..<frames {
                    let row = (b * frames + t) * 2 * nFreq
                    for k in 0..<nFreq {
                        let o = ((b * nFreq + k) * frames + t) * 2
                        out[o] = r[row + k]
                        out[o + 1] = r[row + nFreq + k]
                    }
                }
            }
        }
        return Tensor(out, shape: lead + [nFreq, frames, 2])
    }

    /// The leading shape of `waveform`, the number of frames and the `[batch·frames, 2·nFreq]` matrix of
    /// (real | imaginary) spectra, one row per frame.
    func framesSpectra(_ waveform: Tensor) throws -> (lead: [Int], frames: Int, rows: Tensor) {
        guard waveform.rank >= 1 else {
            throw DescentError(.shape, "STFT", "expected a waveform [..., samples], got a scalar")
        }
        let n = waveform.shape[waveform.rank - 1]
        let lead = Array(waveform.shape.dropLast())
        let pad = center ? nFFT / 2 : 0
        if center && n <= pad {
            throw DescentError(
                .shape, "STFT",
                "reflect padding by \(pad) needs more than \(pad) samples, got \(n) (shape \(waveform.shape))")
        }
        let frames = frameCount(samples: n)
        guard frames >= 1 else {
            throw DescentError(.shape, "STFT", "\(n) samples are fewer than one frame of \(nFFT)")
        }
        let batch = Shape.count(lead)
        var m = [Float](repeating: 0, count: batch * frames * nFFT)
        waveform.withUnsafeBufferPointer { x in
            for b in 0..<batch {
                let base = b * n
                for t in 0..<frames {
                    let row = (b * frames + t) * nFFT
                    let start = t * hopLength - pad
                    if start >= 0 && start + nFFT <= n {
                        for j in 0..<nFFT { m[row + j] = x[base + start + j] }
                    } else {
                        for j in 0..<nFFT {
                            var s = start + j
                            if s < 0 { s = -s }
                            if s >= n { s = 2 * (n - 1) - s }
                            m[row + j] = x[base + s]
                        }
                    }
                }
            }
        }
        let rows = Tensor(m, shape: [batch * frames, nFFT]).matmul(basis)
        return (lead, frames, rows)
    }
}
