import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// SpecAugment time and frequency masking: torchaudio's outputs for forced draws (exact), and the masking
/// semantics (masked band exactly `maskValue`, width below the parameter, same per generator, varying across
/// streams).
@Suite struct SpectrogramMaskTests {
    @Test func forcedDrawsMatchTorchaudio() throws {
        let f = try AudioFixture.load()
        let mel = f.melSpectrogram.tensor
        for m in f.masks {
            let axis: SpectrogramMask.Axis = m.axis == "time" ? .time : .frequency
            let size = axis == .time ? 16 : 40
            let range = SpectrogramMask.interval(maskParam: m.maskParam, size: size, u1: Float(m.u1), u2: Float(m.u2))
            let out = try SpectrogramMask.apply(mel, axis: axis, range: range)
            #expect(out.isBitwiseEqual(m.output.tensor), "\(m.axis) mask \(m.maskParam): range \(range)")
        }
        // The third case draws v ≥ frames and a negative start, which torchaudio truncates toward zero.
        let third = f.masks[2]
        #expect(SpectrogramMask.interval(maskParam: 20, size: 16, u1: Float(third.u1), u2: Float(third.u2)) == 0..<16)
    }

    /// The masked indices along `axis` of a `[freq, time]` tensor (those with every entry zero).
    func maskedIndices(_ t: Tensor, axis: SpectrogramMask.Axis) -> [Int] {
        let (nF, nT) = (t.shape[0], t.shape[1]), v = t.scalars
        if axis == .time { return (0..<nT).filter { c in (0..<nF).allSatisfy { v[$0 * nT + c] == 0 } } }
        return (0..<nF).filter { r in (0..<nT).allSatisfy { v[r * nT + $0] == 0 } }
    }

    @Test func maskSemantics() throws {
        let spec = Tensor((0..<(40 * 100)).map { Float($0 % 97) + 1 }, shape: [40, 100])
        var widths = Set<Int>()
        for stream in UInt64(0)..<50 {
            for (axis, param) in [(SpectrogramMask.Axis.time, 30), (.frequency, 12)] {
                let g = RandomGenerator(seed: 5, stream: stream)
                let out: Tensor =
                    axis == .time
                    ? try TimeMasking(timeMaskParam: param)(spec, generator: g)
                    : try FrequencyMasking(freqMaskParam: param)(spec, generator: g)
                let idx = maskedIndices(out, axis: axis)
                #expect(idx.count < param)
                if let a = idx.first, let b = idx.last { #expect(b - a + 1 == idx.count, "band is contiguous") }
                // Everything outside the band is untouched.
                let changed = zip(out.scalars, spec.scalars).filter { $0 != $1 }.count
                #expect(changed == idx.count * (axis == .time ? 40 : 100))
                if axis == .time { widths.insert(idx.count) }
                let again =
                    axis == .time
                    ? try TimeMasking(timeMaskParam: param)(spec, generator: RandomGenerator(seed: 5, stream: stream))
                    : try FrequencyMasking(freqMaskParam: param)(
                        spec, generator: RandomGenerator(seed: 5, stream: stream))
                #expect(again.isBitwiseEqual(out), "deterministic per generator")
            }
        }
        #expect(widths.count > 10, "mask widths vary across streams: \(widths.sorted())")
    }

    @Test func maskValueAndSharedMaskAcrossChannels() throws {
        let spec = Tensor.ones([2, 8, 50])
        let out = try TimeMasking(timeMaskParam: 40, maskValue: -3)(spec, generator: RandomGenerator(seed: 9))
        let v = out.scalars
        #expect(Array(v[0..<400]) == Array(v[400..<800]), "one mask for every channel without iidMasks")
        #expect(v.allSatisfy { $0 == 1 || $0 == -3 })
    }

    @Test func iidMasksDifferPerExample() throws {
        let spec = Tensor.ones([6, 1, 4, 200])
        let out = try TimeMasking(timeMaskParam: 150, iidMasks: true)(spec, generator: RandomGenerator(seed: 2))
        let v = out.scalars
        let slices = (0..<6).map { Array(v[($0 * 800)..<($0 * 800 + 800)]) }
        #expect(Set(slices.map { $0.filter { $0 == 0 }.count }).count > 1)
    }

    @Test func transformConformanceAndZeroParam() throws {
        let spec = Tensor.ones([1, 10, 20])
        let sample = Sample(input: spec, target: .classIndex(4))
        let g1 = RandomGenerator(seed: 1, stream: 3), g2 = RandomGenerator(seed: 1, stream: 3)
        let a = try FrequencyMasking(freqMaskParam: 8)(sample, generator: g1)
        let b = try FrequencyMasking(freqMaskParam: 8)(spec, generator: g2)
        #expect(a.input.isBitwiseEqual(b) && a.target == .classIndex(4))
        #expect(try TimeMasking(timeMaskParam: 0)(spec, generator: g1).isBitwiseEqual(spec))
        #expect(SpectrogramMask.effectiveParam(30, p: 0.1, size: 100) == 10)
        #expect(throws: DescentError.self) { try TimeMasking(timeMaskParam: 3)(Tensor.ones([5]), generator: g1) }
    }
}
