import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// The pipeline transform (waveform → log-mel) against torchaudio's MelSpectrogram + AmplitudeToDB(top_db 80),
/// within 1e-3 dB.
@Suite struct LogMelSpectrogramTests {
    @Test func matchesTorchaudioAndKeepsTheTarget() throws {
        let f = try AudioFixture.load()
        let t = LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40)
        let out = try t(Sample(input: f.waveform.tensor, target: .classIndex(7)), generator: RandomGenerator(seed: 0))
        #expect(out.target == .classIndex(7))
        expectAudioAbsClose(out.input, f.melDBTop80.tensor, atol: 1e-3, "log-mel")
    }

    @Test func composesWithSpecAugment() throws {
        let f = try AudioFixture.load()
        let pipeline = Compose(
            LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40, frames: 32),
            FrequencyMasking(freqMaskParam: 10), TimeMasking(timeMaskParam: 8))
        let s = Sample(input: f.waveform.tensor, target: .classIndex(2))
        let a = try pipeline(s, generator: RandomGenerator(seed: 1, stream: 5))
        let b = try pipeline(s, generator: RandomGenerator(seed: 1, stream: 5))
        #expect(a.input.shape == [1, 40, 32] && a.input.isBitwiseEqual(b.input))
        // Frames past the clip (16 of them) are padded with the clip's lowest dB value.
        let unpadded = try LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40)(f.waveform.tensor)
        let floor = unpadded.scalars.min()!
        let padded = try LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40, frames: 32)(
            f.waveform.tensor)
        #expect(Array(padded.scalars[16..<32]) == [Float](repeating: floor, count: 16))
        #expect(Array(padded.scalars[0..<16]) == Array(unpadded.scalars[0..<16]))
        #expect(a.input.scalars.allSatisfy { $0 == 0 || $0 >= floor })
    }
}
