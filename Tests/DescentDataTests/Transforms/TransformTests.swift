import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Adds a random offset in [0, 1) drawn from the sample's generator (a stand-in augmentation).
struct TestOffsetTransform: Transform {
    func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        let offset = generator.uniformFloat()
        return Sample(input: sample.input + offset, target: sample.target)
    }
}

/// Multiplies inputs by a constant.
struct TestScaleTransform: Transform {
    let factor: Float
    func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: sample.input * factor, target: sample.target)
    }
}

@Suite struct TransformTests {
    let sample = Sample(input: Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), target: .classIndex(2))

    @Test func normalizeUsesEachChannelsStatistics() throws {
        let out = try Normalize(mean: [1, 4], std: [2, 0.5])(sample, generator: RandomGenerator(seed: 0))
        #expect(out.input.shape == [2, 3])
        #expect(out.input.scalars == [0, 0.5, 1, 0, 2, 4])
        #expect(out.target == .classIndex(2))
        let single = try Normalize(mean: [1], std: [2])(sample, generator: RandomGenerator(seed: 0))
        #expect(single.input.scalars == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(sample.input.scalars == [1, 2, 3, 4, 5, 6])  // the input sample is left as it was
        let e = DataTestFiles.descentError {
            _ = try Normalize(mean: [0, 0, 0], std: [1, 1, 1])(sample, generator: RandomGenerator(seed: 0))
        }
        #expect(e?.reason == "input of shape [2, 3] has 2 channels, but 3 means and deviations are given")
    }

    @Test func oneHotMakesTensorTargets() throws {
        let out = try OneHot(classes: 4)(sample, generator: RandomGenerator(seed: 0))
        #expect(out.target == .tensor(Tensor([0, 0, 1, 0])))
        let smooth = try OneHot(classes: 4, smoothing: 0.2)(sample, generator: RandomGenerator(seed: 0))
        #expect(smooth.target == .tensor(Tensor([0.05, 0.05, 0.85, 0.05])))
        let e = DataTestFiles.descentError { _ = try OneHot(classes: 2)(sample, generator: RandomGenerator(seed: 0)) }
        #expect(e?.reason == "class 2 is outside 0..<2")
        let tensorTarget = Sample(input: Tensor([1]), target: .tensor(Tensor([0.5])))
        #expect(
            try OneHot(classes: 3)(tensorTarget, generator: RandomGenerator(seed: 0)).target == .tensor(Tensor([0.5])))
    }

    @Test func composeAppliesInOrder() throws {
        let t = Compose(TestScaleTransform(factor: 2), Normalize(mean: [1], std: [1]))
        #expect(try t(sample, generator: RandomGenerator(seed: 0)).input.scalars == [1, 3, 5, 7, 9, 11])
        let u = Compose([Normalize(mean: [1], std: [1]), TestScaleTransform(factor: 2)])
        #expect(try u(sample, generator: RandomGenerator(seed: 0)).input.scalars == [0, 2, 4, 6, 8, 10])
    }

    @Test func randomApplyFollowsItsProbabilityAndTheGenerator() throws {
        let always = RandomApply(p: 1, TestScaleTransform(factor: 3)),
            never = RandomApply(p: 0, TestScaleTransform(factor: 3))
        #expect(try always(sample, generator: RandomGenerator(seed: 1)).input.scalars == [3, 6, 9, 12, 15, 18])
        #expect(try never(sample, generator: RandomGenerator(seed: 1)).input.scalars == [1, 2, 3, 4, 5, 6])
        let half = RandomApply(p: 0.3, TestScaleTransform(factor: 3))
        var applied = 0
        for i in 0..<2000 {
            let g = SampleRandomness.generator(seed: 5, epoch: 0, index: i)
            if try half(sample, generator: g).input.scalars[0] == 3 { applied += 1 }
        }
        #expect(applied > 520 && applied < 680, "applied \(applied) of 2000 at p = 0.3")
        // The coin is the generator's first uniform draw.
        let g = SampleRandomness.generator(seed: 5, epoch: 0, index: 17)
        let coin = SampleRandomness.generator(seed: 5, epoch: 0, index: 17).uniformFloat()
        #expect((try half(sample, generator: g).input.scalars[0] == 3) == (coin < 0.3))
    }

    @Test func sampleGeneratorsArePureFunctionsOfSeedEpochAndIndex() {
        let a = SampleRandomness.generator(seed: 3, epoch: 2, index: 10).uniformFloat()
        #expect(a == SampleRandomness.generator(seed: 3, epoch: 2, index: 10).uniformFloat())
        #expect(a != SampleRandomness.generator(seed: 3, epoch: 2, index: 11).uniformFloat())
        #expect(a != SampleRandomness.generator(seed: 3, epoch: 3, index: 10).uniformFloat())
        #expect(a != SampleRandomness.generator(seed: 4, epoch: 2, index: 10).uniformFloat())
        #expect(SampleRandomness.epochKey(seed: 0, epoch: 0) != SampleRandomness.epochKey(seed: 0, epoch: 1))
        #expect(SampleRandomness.shuffleGenerator(seed: 1, epoch: 0).stream == UInt64.max)
    }

    @Test func customTransformsCallTheirClosure() throws {
        let t = CustomTransform { s, g in Sample(input: s.input * 0 + Float(g.integer(in: 0..<100)), target: s.target) }
        let g1 = SampleRandomness.generator(seed: 1, epoch: 0, index: 0)
        let g2 = SampleRandomness.generator(seed: 1, epoch: 0, index: 0)
        #expect(try t(sample, generator: g1).input.scalars == t(sample, generator: g2).input.scalars)
    }
}
