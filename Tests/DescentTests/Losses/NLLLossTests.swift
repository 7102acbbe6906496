import Testing

@testable import Descent

@Suite struct NLLLossTests {
    /// Every option combination against PyTorch (losses.json): [N, C], [C] and [N, C, d₁, d₂] inputs, class
    /// weights, ignore index (default and a real class), all reductions; relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let count = try LossFixture.check(loss: "nll_loss") { c, x, _ in
            NLLLoss(weight: c.weight?.tensor, ignoreIndex: c.ignoreIndex ?? -100, reduction: c.reductionValue)(
                x, c.targetIndices!)
        }
        #expect(count == 42)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([4, 3, 2], seed: 311)
        let w = TestData.positive([3], seed: 312)
        for reduction in Reduction.allCases {
            expectGradientsMatchFiniteDifferences([x], "\(reduction)") {
                TestData.weightedSum(nllLoss($0[0], [0, 2, -100, 1, 1, 2, 0, 0], weight: w, reduction: reduction))
            }
        }
    }

    /// The weighted mean divides by the weights of the counted targets: Σ −w_y x_y / Σ w_y.
    @Test func weightedMeanDividesBySumOfWeights() {
        let x = Tensor(rows: [[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]])
        let w = Tensor([1, 2, 4])
        let loss = nllLoss(x, [2, 1, 0], weight: w, ignoreIndex: 0)
        #expect(Swift.abs(loss.item - (4 * 3 + 2 * 5) / 6) < 1e-6)
    }
}
