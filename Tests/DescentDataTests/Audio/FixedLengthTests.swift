import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Padding and cropping the last axis to a fixed length.
@Suite struct FixedLengthTests {
    @Test func padsAtTheEndAndCrops() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(try FixedLength(length: 5)(x).scalars == [1, 2, 3, 0, 0, 4, 5, 6, 0, 0])
        #expect(try FixedLength(length: 4, padValue: -1)(x).shape == [2, 4])
        #expect(try FixedLength(length: 2)(x).scalars == [1, 2, 4, 5])
        let long = Tensor((0..<10).map(Float.init), shape: [1, 10])
        #expect(try FixedLength(length: 4, crop: .center)(long).scalars == [3, 4, 5, 6])
        #expect(try FixedLength(length: 3)(x).isBitwiseEqual(x))
        #expect(throws: DescentError.self) { try FixedLength(length: 3)(Tensor(1)) }
    }

    @Test func randomCropIsDrawnFromTheGenerator() throws {
        let long = Tensor((0..<100).map(Float.init), shape: [1, 1, 100])
        let crop = FixedLength(length: 10, crop: .random)
        var starts = Set<Float>()
        for stream in UInt64(0)..<30 {
            let s = Sample(input: long, target: .classIndex(0))
            let a = try crop(s, generator: RandomGenerator(seed: 3, stream: stream)).input
            let b = try crop(s, generator: RandomGenerator(seed: 3, stream: stream)).input
            #expect(a.isBitwiseEqual(b) && a.shape == [1, 1, 10])
            let v = a.scalars
            #expect(v == (0..<10).map { v[0] + Float($0) })
            starts.insert(v[0])
        }
        #expect(starts.count > 5)
    }

    @Test func variableLengthClipsBatchTogether() throws {
        let lengths = [1500, 2000, 2600]
        let features = LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40, frames: 20)
        for n in lengths {
            let x = Tensor((0..<n).map { Float(Foundation.sin(Double($0) * 0.3)) }, shape: [1, n])
            #expect(try features(x).shape == [1, 40, 20])
        }
    }
}
