import Testing

@testable import Descent

@Suite struct SmoothL1LossTests {
    /// Smooth L1 with β ∈ {1, 0.5, 2, 0} against PyTorch (losses.json), all reductions, both gradients; rtol 1e-4.
    @Test func smoothL1MatchesPyTorch() throws {
        let count = try LossFixture.check(loss: "smooth_l1_loss") { c, x, t in
            SmoothL1Loss(reduction: c.reductionValue, beta: c.beta!)(x, t!)
        }
        #expect(count == 12)
    }

    /// Huber with δ ∈ {1, 0.5, 2} against PyTorch (losses.json), all reductions, both gradients; rtol 1e-4.
    @Test func huberMatchesPyTorch() throws {
        let count = try LossFixture.check(loss: "huber_loss") { c, x, t in
            HuberLoss(reduction: c.reductionValue, delta: c.delta!)(x, t!)
        }
        #expect(count == 9)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let y = TestData.normal([4, 4], seed: 341)
        // Differences away from 0 and from the thresholds ±0.8, where the second derivative jumps.
        let x = y + TestData.away(from: [-0.8, 0, 0.8], [4, 4], seed: 342, margin: 0.05) * 2
        for reduction in Reduction.allCases {
            expectGradientsMatchFiniteDifferences([x, y], eps: 1e-3, "smoothL1 \(reduction)") {
                TestData.weightedSum(smoothL1Loss($0[0], $0[1], reduction: reduction, beta: 1.6))
            }
            expectGradientsMatchFiniteDifferences([x, y], eps: 1e-3, "huber \(reduction)") {
                TestData.weightedSum(huberLoss($0[0], $0[1], reduction: reduction, delta: 1.6))
            }
        }
    }

    /// Huber(δ) = δ · SmoothL1(β = δ).
    @Test func huberIsScaledSmoothL1() {
        let x = TestData.normal([5, 3], seed: 343, scale: 2), y = TestData.normal([5, 3], seed: 344)
        for delta: Float in [0.3, 1, 2.5] {
            expectClose(
                huberLoss(x, y, reduction: .none, delta: delta),
                smoothL1Loss(x, y, reduction: .none, beta: delta) * delta, rtol: 1e-5)
        }
    }
}
