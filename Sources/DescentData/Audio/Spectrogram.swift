import Descent
import Foundation

/// A spectrogram from a waveform, as `torchaudio.transforms.Spectrogram`: the ``STFT``, then the magnitude
/// raised to `power` (2 = power spectrum, 1 = magnitude), or the complex STFT itself when `power` is `nil`.
///
/// `S[..., k, t] = |X[..., k, t]|^power`, divided by `√(Σₙ w[n]²)^power` when `normalized`.
///
/// A waveform `[..., samples]` gives `[..., nFreq, frames]` (for `[channels, samples]`, torchaudio's
/// `[channels, n_freq, frames]`), or `[..., nFreq, frames, 2]` (real, imaginary) when `power` is `nil`.
public struct Spectrogram: Transform {
    /// The short-time Fourier transform.
    public let stft: STFT
    /// Exponent applied to the magnitude; `nil` keeps the complex STFT.
    public let power: Float?
    /// Whether spectra are divided by the window's L2 norm, `√(Σ w²)` (torchaudio's `normalized=True`).
    public let normalized: Bool

    /// A spectrogram with torchaudio's defaults: `nFFT` 400, `winLength = nFFT`, `hopLength = winLength / 2`,
    /// centred, `power` 2, not normalized.
    public init(
        nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, center: Bool = true,
        power: Float? = 2, normalized: Bool = false
    ) {
        self.stft = STFT(nFFT: nFFT, winLength: winLength, hopLength: hopLength, center: center)
        self.power = power
        self.normalized = normalized
    }

    /// Number of frequency bins, `nFFT / 2 + 1`.
    public var nFreq: Int { stft.nFreq }

    /// The spectrogram of `waveform` `[..., samples]`: `[..., nFreq, frames]` (or the complex STFT
    /// `[..., nFreq, frames, 2]` when `power` is `nil`).
    ///
    /// - Throws: ``DescentError`` when the waveform is too short (see ``STFT/callAsFunction(_:)``).
    public func callAsFunction(_ waveform: Tensor) throws -> Tensor {
        let scale: Float = normalized ? 1 / stft.window.reduce(0) { $0 + $1 * $1 }.squareRoot() : 1
        guard let power else {
            let complex = try stft(waveform)
            return scale == 1 ? complex : complex * scale
        }
        let (lead, frames, rows) = try stft.framesSpectra(waveform)
        let nFreq = stft.nFreq, batch = Shape.count(lead)
        var out = [Float](repeating: 0, count: batch * nFreq * frames)
        rows.withUnsafeBufferPointer { r in
            for b in 0..<batch {
                for t in 0..<frames {
                    let row = (b * frames + t) * 2 * nFreq
                    for k in 0..<nFreq {
                        let re = r[row + k] * scale, im = r[row + nFreq + k] * scale
                        let value: Float
                        if power == 2 {
                            value = re * re + im * im
                        } else if power == 1 {
                            value = (re * re + im * im).squareRoot()
                        } else {
                            value = Foundation.pow((re * re + im * im).squareRoot(), power)
                        }
                        out[(b * nFreq + k) * frames + t] = value
                    }
                }
            }
        }
        return Tensor(out, shape: lead + [nFreq, frames])
    }

    /// The spectrogram of the sample's input waveform; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input), target: sample.target)
    }

    /// `|z|^power` of a complex tensor `[..., 2]` (real, imaginary last): `(re² + im²)^(power/2)`, shape
    /// `[...]` — the magnitude (power 1) or power (power 2) of an STFT, for example after ``TimeStretch``.
    ///
    /// - Throws: ``DescentError`` when the last dimension is not 2.
    public static func magnitude(ofComplex complex: Tensor, power: Float = 1) throws -> Tensor {
        guard complex.rank >= 1, complex.shape[complex.rank - 1] == 2 else {
            throw DescentError(
                .shape, "Spectrogram.magnitude", "expected a complex tensor [..., 2], got \(complex.shape)")
        }
        let n = complex.count / 2
        var out = [Float](repeating: 0, count: n)
        complex.withUnsafeBufferPointer { z in
            for i in 0..<n {
                let p = z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]
                out[i] = power == 2 ? p : power == 1 ? p.squareRoot() : Foundation.pow(p.squareRoot(), power)
            }
        }
        return Tensor(out, shape: Array(complex.shape.dropLast()))
    }
}
