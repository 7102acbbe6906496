import Descent

/// A mel spectrogram from a waveform, as `torchaudio.transforms.MelSpectrogram`: a ``Spectrogram`` (power 2
/// by default) followed by a ``MelScale``.
///
/// `M[..., m, t] = Σ_k fb[k, m] · |X[..., k, t]|^power`; a waveform `[..., samples]` gives `[..., nMels, frames]`.
public struct MelSpectrogram: Transform {
    /// The linear spectrogram.
    public let spectrogram: Spectrogram
    /// The mel filterbank.
    public let melScale: MelScale

    /// A mel spectrogram with torchaudio's defaults: `sampleRate` 16000, `nFFT` 400, `winLength = nFFT`,
    /// `hopLength = winLength / 2`, `fMin` 0, `fMax = sampleRate / 2`, 128 mels, power 2, HTK scale, no norm.
    public init(
        sampleRate: Int = 16000, nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil,
        fMin: Float = 0, fMax: Float? = nil, nMels: Int = 128, power: Float = 2,
        center: Bool = true, normalized: Bool = false
    ) {
        self.spectrogram = Spectrogram(
            nFFT: nFFT, winLength: winLength, hopLength: hopLength, center: center,
            power: power, normalized: normalized)
        self.melScale = MelScale(nMels: nMels, sampleRate: sampleRate, fMin: fMin, fMax: fMax, nFreq: nFFT / 2 + 1)
    }

    /// The mel spectrogram of `waveform` `[..., samples]`: `[..., nMels, frames]`.
    ///
    /// - Throws: ``DescentError`` when the waveform is too short for the STFT.
    public func callAsFunction(_ waveform: Tensor) throws -> Tensor {
        try melScale(spectrogram(waveform))
    }

    /// The mel spectrogram of the sample's input waveform; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input), target: sample.target)
    }
}
