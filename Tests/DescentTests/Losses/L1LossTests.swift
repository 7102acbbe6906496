import Testing

@testable import Descent

@Suite struct L1LossTests {
    /// Against PyTorch (losses.json), all reductions, 2-D and 3-D; input and target gradients; rtol 1e-4.
    @Test func matchesPyTorch() throws {
        let count = try LossFixture.check(loss: "l1_loss") { c, x, t in L1Loss(reduction: c.reductionValue)(x, t!) }
        #expect(count == 6)
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Differences kept away from the kink at 0.
        let y = TestData.normal([3, 4], seed: 331)
        let x = y + TestData.away(from: [0], [3, 4], seed: 332, margin: 0.1)
        for reduction in Reduction.allCases {
            expectGradientsMatchFiniteDifferences([x, y], eps: 1e-3, "\(reduction)") {
                TestData.weightedSum(l1Loss($0[0], $0[1], reduction: reduction))
            }
        }
    }

    @Test func gradientAtZeroDifferenceIsZero() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        l1Loss(x, Tensor([1, 0, 5]), reduction: .sum).backward()
        #expect(x.grad!.scalars == [0, 1, -1])
    }
}
