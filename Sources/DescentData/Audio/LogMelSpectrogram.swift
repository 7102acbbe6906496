import Descent

/// Log-mel features for a data pipeline: a waveform `[channels, samples]` (e.g. `[1, samples]`) becomes
/// `[channels, nMels, frames]` in decibels, optionally padded or cropped to a fixed number of frames.
///
/// `y = 10 · log₁₀(max(M, amin))`, clamped below at `max(y) − topDB` when `topDB` is set, where `M` is the
/// ``MelSpectrogram`` (power 2); then ``FixedLength`` on the frames when `frames` is set.
public struct LogMelSpectrogram: Transform {
    /// The mel spectrogram.
    public let melSpectrogram: MelSpectrogram
    /// The conversion to decibels (power scale).
    public let toDB: AmplitudeToDB
    /// Pads or crops the frames, when set.
    public let fixedFrames: FixedLength?

    /// Log-mel features with the given STFT and mel parameters (torchaudio's defaults otherwise), `topDB`
    /// (default 80 dB) and an optional fixed number of frames (padded with the smallest dB value of the clip,
    /// cropped at the start).
    public init(
        sampleRate: Int = 16000, nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil,
        fMin: Float = 0, fMax: Float? = nil, nMels: Int = 128, topDB: Float? = 80, frames: Int? = nil
    ) {
        self.melSpectrogram = MelSpectrogram(
            sampleRate: sampleRate, nFFT: nFFT, winLength: winLength,
            hopLength: hopLength, fMin: fMin, fMax: fMax, nMels: nMels)
        self.toDB = AmplitudeToDB(stype: .power, topDB: topDB)
        self.fixedFrames = frames.map { FixedLength(length: $0) }
    }

    /// The log-mel features of `waveform` `[..., samples]`: `[..., nMels, frames]`.
    ///
    /// - Throws: ``DescentError`` when the waveform is too short for the STFT.
    public func callAsFunction(_ waveform: Tensor) throws -> Tensor {
        let db = toDB(try melSpectrogram(waveform))
        guard let fixedFrames else { return db }
        let floor = db.scalars.min() ?? 0
        return try FixedLength(length: fixedFrames.length, crop: .start, padValue: floor)(db)
    }

    /// The sample with its input waveform replaced by log-mel features; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input), target: sample.target)
    }
}
