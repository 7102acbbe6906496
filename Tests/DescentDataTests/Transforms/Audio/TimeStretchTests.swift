import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// The phase vocoder against `torchaudio.transforms.TimeStretch` at rate 1.3 on a committed complex STFT:
/// relative error ≤ 1e-3 with a floor of 1e-2 × the largest value (accumulated phases reach thousands of
/// radians, where one float32 ulp is ~5e-4 rad, so small bins carry ~1e-6 × max of phase rounding).
@Suite struct TimeStretchTests {
    @Test func rate13MatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let stretch = TimeStretch(hopLength: 128, nFreq: 129, fixedRate: 1.3)
        let out = try stretch(f.complexSTFT.tensor, rate: 1.3)
        #expect(out.shape == [1, 129, 7, 2])
        expectAudioClose(out, f.timeStretch13.tensor, rtol: 1e-3, floor: 1e-2, "time stretch 1.3")
        let viaSample = try stretch(
            Sample(input: f.complexSTFT.tensor, target: .classIndex(0)),
            generator: RandomGenerator(seed: 0))
        #expect(viaSample.input.isBitwiseEqual(out))
    }

    @Test func rateOneIsIdentityAndSlowDownLengthens() throws {
        let f = try AudioFixture.load()
        let stretch = TimeStretch(hopLength: 128, nFreq: 129)
        #expect(try stretch(f.complexSTFT.tensor, rate: 1).isBitwiseEqual(f.complexSTFT.tensor))
        #expect(try stretch(f.complexSTFT.tensor, rate: 0.5).shape == [1, 129, 16, 2])
        #expect(throws: DescentError.self) { try stretch(Tensor.zeros([1, 100, 8, 2]), rate: 1.2) }
        let d = TimeStretch()
        #expect(d.nFreq == 201 && d.hopLength == 200)
        #expect(Swift.abs(d.phaseAdvance[200] - Float.pi * 200) < 1e-3)
    }

    @Test func randomRateComesFromTheGenerator() throws {
        let f = try AudioFixture.load()
        let stretch = TimeStretch(hopLength: 128, nFreq: 129, rateRange: 0.8...1.25)
        let sample = Sample(input: f.complexSTFT.tensor, target: .classIndex(1))
        var lengths = Set<Int>()
        for stream in UInt64(0)..<20 {
            let a = try stretch(sample, generator: RandomGenerator(seed: 4, stream: stream))
            let b = try stretch(sample, generator: RandomGenerator(seed: 4, stream: stream))
            #expect(a.input.isBitwiseEqual(b.input))
            let frames = a.input.shape[2]
            #expect(frames >= 7 && frames <= 10)
            lengths.insert(frames)
        }
        #expect(lengths.count > 1)
    }

    @Test func magnitudeOfStretchedToneIsPreserved() throws {
        // A steady tone keeps its spectrum magnitude under stretching.
        let x = Tensor(
            (0..<4000).map { Float(Foundation.sin(2 * Double.pi * 500 * Double($0) / 8000)) }, shape: [1, 4000])
        let stft = try STFT(nFFT: 256, hopLength: 64)(x)
        let out = try TimeStretch(hopLength: 64, nFreq: 129, fixedRate: 0.7)(stft, rate: 0.7)
        let magIn = try Spectrogram.magnitude(ofComplex: stft), magOut = try Spectrogram.magnitude(ofComplex: out)
        // Bin 16 = 500 Hz, in a middle frame.
        let a = magIn[index: 0, 16, 30], b = magOut[index: 0, 16, 40]
        #expect(Swift.abs(a - b) / a < 1e-3)
    }
}
