import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Spectrograms against torchaudio (`Fixtures/audio.json`): relative error ≤ 1e-4 with an absolute floor of
/// 1e-5 × the largest value for powers (1e-4 for magnitudes, whose small bins are square roots of small powers;
/// 1e-3 for the complex STFT, whose components cancel to near zero: float32 rounding of ~1e-7 × max).
@Suite struct SpectrogramTests {
    @Test func power2MatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let spec = try Spectrogram(nFFT: 256, hopLength: 128, power: 2)(f.waveform.tensor)
        #expect(spec.shape == [1, 129, 16])
        expectAudioClose(spec, f.spectrogramPower2.tensor, "spectrogram power 2")
    }

    @Test func defaultsMagnitudeMatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let s = Spectrogram(power: 1)
        #expect(s.stft.nFFT == 400 && s.stft.winLength == 400 && s.stft.hopLength == 200 && s.nFreq == 201)
        let spec = try s(f.waveformPrefix(800))
        expectAudioClose(spec, f.spectrogramDefaultPower1.tensor, floor: 1e-4, "spectrogram defaults power 1")
    }

    @Test func shortWindowIsCentredInTheFrame() throws {
        let f = try AudioFixture.load()
        let spec = try Spectrogram(nFFT: 256, winLength: 200, hopLength: 100)(f.waveformPrefix(800))
        expectAudioClose(spec, f.spectrogramWin200.tensor, "spectrogram win 200")
    }

    @Test func complexSTFTMatchesTorch() throws {
        let f = try AudioFixture.load()
        let stft = try STFT(nFFT: 256, hopLength: 128)(f.waveformPrefix(1000))
        expectAudioClose(stft, f.complexSTFT.tensor, floor: 1e-3, "complex STFT")
        let viaSpectrogram = try Spectrogram(nFFT: 256, hopLength: 128, power: nil)(f.waveformPrefix(1000))
        #expect(viaSpectrogram.isBitwiseEqual(stft))
        let power = try Spectrogram.magnitude(ofComplex: stft, power: 2)
        #expect(power.isBitwiseEqual(try Spectrogram(nFFT: 256, hopLength: 128)(f.waveformPrefix(1000))))
    }

    @Test func channelsAreIndependent() throws {
        let f = try AudioFixture.load()
        let x = f.waveform.tensor.scalars
        let stereo = Tensor(x + x.reversed(), shape: [2, 2000])
        let spec = try Spectrogram(nFFT: 256, hopLength: 128)(stereo)
        #expect(spec.shape == [2, 129, 16])
        let single = try Spectrogram(nFFT: 256, hopLength: 128)(f.waveform.tensor)
        #expect(Array(spec.scalars.prefix(129 * 16)) == single.scalars)
        let oneDim = try Spectrogram(nFFT: 256, hopLength: 128)(Tensor(x))
        #expect(oneDim.shape == [129, 16] && oneDim.scalars == single.scalars)
    }

    @Test func hannWindowAndFrameCount() {
        let w = STFT.hannWindow(4)
        #expect(w == [0, 0.5, 1, 0.5])
        #expect(STFT.hannWindow(5, periodic: false) == [0, 0.5, 1, 0.5, 0])
        let stft = STFT()
        #expect(stft.frameCount(samples: 8000) == 41)
        #expect(STFT(nFFT: 256, hopLength: 128, center: false).frameCount(samples: 1000) == 6)
        let s = STFT(nFFT: 256, winLength: 200)
        #expect(s.window[27] == 0 && s.window[28] == 0 && s.window[29] > 0 && s.window[228] == 0)
    }

    @Test func normalizedDividesByWindowNorm() throws {
        let f = try AudioFixture.load()
        let plain = try Spectrogram(nFFT: 256, hopLength: 128, power: 1)(f.waveform.tensor)
        let norm = try Spectrogram(nFFT: 256, hopLength: 128, power: 1, normalized: true)(f.waveform.tensor)
        let l2 = STFT.hannWindow(256).reduce(0) { $0 + $1 * $1 }.squareRoot()
        expectAudioClose(norm * l2, plain, rtol: 1e-5, "normalized")
    }

    @Test func tooShortWaveformThrows() {
        #expect(throws: DescentError.self) { try Spectrogram()(Tensor.zeros([1, 200])) }
        #expect(throws: DescentError.self) { try Spectrogram()(Tensor(1)) }
        #expect(throws: DescentError.self) { try Spectrogram.magnitude(ofComplex: Tensor.zeros([3, 3])) }
    }
}
