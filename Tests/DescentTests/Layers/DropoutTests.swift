import Testing

@testable import Descent

/// Dropout: identity in eval (and against PyTorch, relative tolerance 1e-4), mask statistics and scaling in
/// training, gradients through the mask, and the classic `.atTest` form.
@Suite struct DropoutTests {
    @Test func evalIsIdentityAsInPyTorch() throws {
        let d = Dropout(0.5).eval()
        try expectMatchesPyTorch("dropout_eval", d)
        let x = RandomGenerator(seed: 1).normal([4, 4])
        #expect(d(x).isBitwiseEqual(x))
    }

    @Test func invertedDropoutStatistics() {
        let n = 200_000
        let d = Dropout(0.3, generator: RandomGenerator(seed: 12))
        let y = d(Tensor.ones([n]))
        let zeros = y.scalars.filter { $0 == 0 }.count
        let rate = Float(zeros) / Float(n)
        #expect(Swift.abs(rate - 0.3) < 0.005, "drop rate \(rate)")
        #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
        #expect(Swift.abs(y.mean().item - 1) < 0.01, "mean preserved")
    }

    @Test func classicDropoutScalesAtTest() {
        let n = 100_000
        let d = Dropout(0.25, scaling: .atTest, generator: RandomGenerator(seed: 13))
        let y = d(Tensor.ones([n]))
        #expect(y.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(Swift.abs(y.mean().item - 0.75) < 0.01)
        d.eval()
        #expect(d(Tensor.ones([3])).scalars == [0.75, 0.75, 0.75])
    }

    @Test func gradientFollowsTheMask() {
        let x = RandomGenerator(seed: 14).normal([50]).requiringGrad()
        let y = x.dropout(p: 0.5, generator: RandomGenerator(seed: 15))
        y.sum().backward()
        for (yi, (xi, gi)) in zip(y.scalars, zip(x.scalars, x.grad!.scalars)) {
            #expect(gi == (yi == 0 && xi != 0 ? 0 : 2))
        }
        expectGradientsMatchFiniteDifferences([RandomGenerator(seed: 16).normal([3, 4])], "dropout (fixed mask)") { t in
            probeLoss(t[0].dropout(p: 0.4, generator: RandomGenerator(seed: 17)))
        }
    }

    @Test func edgeProbabilities() {
        let x = Tensor([1, 2, 3])
        #expect(x.dropout(p: 0).isBitwiseEqual(x))
        #expect(x.dropout(p: 1).scalars == [0, 0, 0])
    }

    @Test func sameSeedSameMask() {
        let x = Tensor.ones([64])
        let a = x.dropout(p: 0.5, generator: RandomGenerator(seed: 3))
        let b = x.dropout(p: 0.5, generator: RandomGenerator(seed: 3))
        #expect(a.isBitwiseEqual(b))
    }
}
