import Testing

@testable import Descent

@Suite struct MSELossTests {
    /// Against PyTorch (losses.json), all reductions, 2-D and 3-D; input and target gradients; rtol 1e-4.
    @Test func matchesPyTorch() throws {
        let count = try LossFixture.check(loss: "mse_loss") { c, x, t in MSELoss(reduction: c.reductionValue)(x, t!) }
        #expect(count == 6)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([3, 4], seed: 321), y = TestData.normal([3, 4], seed: 322)
        for reduction in Reduction.allCases {
            expectGradientsMatchFiniteDifferences([x, y], "\(reduction)") {
                TestData.weightedSum(mseLoss($0[0], $0[1], reduction: reduction))
            }
        }
    }

    /// Large inputs take the parallel, fixed-block summation; it must agree with a Double reference.
    @Test func largeInputMatchesDoubleSum() {
        let x = TestData.normal([300, 100], seed: 323), y = TestData.normal([300, 100], seed: 324)
        var reference = 0.0
        for (a, b) in zip(x.scalars, y.scalars) { reference += Double((a - b) * (a - b)) }
        #expect(Swift.abs(Double(mseLoss(x, y).item) - reference / 30000) < 1e-6)
        #expect(mseLoss(x, y, reduction: .sum).isBitwiseEqual(mseLoss(x, y, reduction: .sum)))
    }
}
