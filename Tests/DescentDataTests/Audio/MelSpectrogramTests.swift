import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// The mel filterbank and mel spectrogram against torchaudio: filterbank within 1e-5 of 1 (its maximum) plus
/// 1e-4 relative; mel spectrogram within 1e-4 relative with a 1e-5 × max floor.
@Suite struct MelSpectrogramTests {
    @Test func filterbankMatchesMelscaleFbanks() throws {
        let f = try AudioFixture.load()
        let fb = MelScale.filterbank(nFreq: 129, fMin: 0, fMax: 4000, nMels: 40, sampleRate: 8000)
        expectAudioClose(fb, f.melFilterbank.tensor, floor: 1e-4, "mel filterbank")
        #expect(MelScale(nMels: 40, sampleRate: 8000, nFreq: 129).filterbank.isBitwiseEqual(fb))
    }

    @Test func melSpectrogramMatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let mel = try MelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40)(f.waveform.tensor)
        #expect(mel.shape == [1, 40, 16])
        expectAudioClose(mel, f.melSpectrogram.tensor, "mel spectrogram")
    }

    @Test func melScaleAppliesToAnyLeadingShape() throws {
        let f = try AudioFixture.load()
        let scale = MelScale(nMels: 40, sampleRate: 8000, nFreq: 129)
        let spec = f.spectrogramPower2.tensor
        let a = try scale(spec), b = try scale(spec.reshaped([129, 16]))
        #expect(a.shape == [1, 40, 16] && b.shape == [40, 16] && a.scalars == b.scalars)
        #expect(throws: DescentError.self) { try scale(Tensor.zeros([1, 128, 16])) }
    }

    @Test func htkFormulas() {
        #expect(Swift.abs(MelScale.hzToMel(1000) - 999.9855) < 1e-3)
        #expect(Swift.abs(MelScale.melToHz(MelScale.hzToMel(3210)) - 3210) < 1e-9)
        let d = MelScale()
        #expect(d.nMels == 128 && d.fMax == 8000 && d.filterbank.shape == [201, 128])
    }
}
