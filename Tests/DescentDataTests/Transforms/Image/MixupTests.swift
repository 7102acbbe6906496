import Descent
import DescentData
import Testing

@Suite struct MixupTests {
    @Test func mixesWithTheRolledBatch() throws {
        let inputs = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let targets = Tensor([1, 0, 0, 1, 1, 0], shape: [3, 2])
        let m = try Mixup(alpha: 0.4).mix(inputs: inputs, targets: targets, generator: RandomGenerator(seed: 1))
        let l = m.lambda
        #expect(l >= 0 && l <= 1)
        let expectedInputs: [Float] = [
            l * 1 + (1 - l) * 5, l * 2 + (1 - l) * 6, l * 3 + (1 - l) * 1,
            l * 4 + (1 - l) * 2, l * 5 + (1 - l) * 3, l * 6 + (1 - l) * 4,
        ]
        #expect(ImageTest.maxDiff(m.inputs, Tensor(expectedInputs, shape: [3, 2])) < 1e-5)
        // Rows [1,0], [0,1], [1,0]; row i mixes with row i−1 (row 0 with row 2).
        #expect(ImageTest.maxDiff(m.targets, Tensor([1, 0, 1 - l, l, l, 1 - l], shape: [3, 2])) < 1e-6)
    }

    @Test func targetsSumToOnePerRow() throws {
        let g = RandomGenerator(seed: 9)
        let inputs = g.uniform([8, 1, 4, 4])
        var oneHot = [Float](repeating: 0, count: 8 * 5)
        for i in 0..<8 { oneHot[i * 5 + (i * 3) % 5] = 1 }
        for _ in 0..<20 {
            let out = try Mixup().callAsFunction(inputs: inputs, targets: Tensor(oneHot, shape: [8, 5]), generator: g)
            #expect(out.inputs.shape == [8, 1, 4, 4])
            let t = out.targets.scalars
            for i in 0..<8 { #expect(abs(t[(i * 5)..<(i * 5 + 5)].reduce(0, +) - 1) < 1e-5) }
        }
    }

    @Test func lambdaHasTheBetaMean() throws {
        let g = RandomGenerator(seed: 11)
        let inputs = Tensor.zeros([2, 1]), targets = Tensor([1, 0, 0, 1], shape: [2, 2])
        var lambdas: [Double] = []
        for _ in 0..<4000 {
            lambdas.append(Double(try Mixup(alpha: 1).mix(inputs: inputs, targets: targets, generator: g).lambda))
        }
        let mean = lambdas.reduce(0, +) / 4000
        #expect(abs(mean - 0.5) < 0.02)
        // Beta(1, 1) is uniform: a quarter of the draws fall below 0.25.
        let low = Double(lambdas.filter { $0 < 0.25 }.count) / 4000
        #expect(abs(low - 0.25) < 0.03)
    }

    @Test func gammaAndBetaMoments() {
        let g = RandomGenerator(seed: 12)
        for shape in [0.3, 1.0, 4.5] {
            let draws = (0..<6000).map { _ in Mixup.gamma(shape, generator: g) }
            let mean = draws.reduce(0, +) / 6000
            #expect(abs(mean - shape) < 0.08 * max(1, shape), "Gamma(\(shape)) mean \(mean)")
        }
        let betas = (0..<6000).map { _ in Mixup.beta(2, 6, generator: g) }
        #expect(abs(betas.reduce(0, +) / 6000 - 0.25) < 0.01)
    }

    @Test func sameStreamSameResultDifferentStreamsDiffer() throws {
        let inputs = ImageTest.random([4, 1, 3, 3]), targets = Tensor.full([4, 2], 0.5)
        let a = try Mixup().mix(inputs: inputs, targets: targets, generator: RandomGenerator(seed: 1, stream: 0))
        let b = try Mixup().mix(inputs: inputs, targets: targets, generator: RandomGenerator(seed: 1, stream: 0))
        let c = try Mixup().mix(inputs: inputs, targets: targets, generator: RandomGenerator(seed: 1, stream: 1))
        #expect(a.inputs == b.inputs && a.lambda == b.lambda)
        #expect(a.lambda != c.lambda)
    }

    @Test func mismatchedShapesThrow() {
        #expect(throws: DescentError.self) {
            try Mixup().mix(
                inputs: Tensor.zeros([3, 2]), targets: Tensor.zeros([2, 2]), generator: RandomGenerator(seed: 0))
        }
    }
}
