import Testing

@testable import Descent

@Suite struct KLDivLossTests {
    /// Against PyTorch (losses.json): mean, sum, none and batchmean, probability and log-probability targets,
    /// zeros in the target; input and target gradients; rtol 1e-4.
    @Test func matchesPyTorch() throws {
        let count = try LossFixture.check(loss: "kl_div") { c, x, t in
            KLDivLoss(reduction: KLDivReduction(rawValue: c.reduction)!, logTarget: c.logTarget ?? false)(x, t!)
        }
        #expect(count == 12)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([3, 4], seed: 361).logSoftmax()
        let p = TestData.normal([3, 4], seed: 362).softmax()
        for reduction in KLDivReduction.allCases {
            expectGradientsMatchFiniteDifferences([x, p], eps: 1e-3, "probabilities \(reduction)") {
                TestData.weightedSum(klDiv($0[0], $0[1], reduction: reduction))
            }
            expectGradientsMatchFiniteDifferences([x, p.log()], eps: 1e-3, "log target \(reduction)") {
                TestData.weightedSum(klDiv($0[0], $0[1], reduction: reduction, logTarget: true))
            }
        }
    }

    /// `batchmean` is the true KL divergence per sample: Σᵢ Σⱼ pᵢⱼ log(pᵢⱼ / qᵢⱼ) / N, zero for equal distributions.
    @Test func batchMeanIsTheDivergencePerSample() {
        let p = TestData.normal([3, 5], seed: 363).softmax(), q = TestData.normal([3, 5], seed: 364).softmax()
        let expected = (p * (p.log() - q.log())).sum() / 3
        expectClose(klDiv(q.log(), p, reduction: .batchMean), expected, rtol: 1e-5)
        expectClose(klDiv(q.log(), p.log(), reduction: .batchMean, logTarget: true), expected, rtol: 1e-5)
        #expect(Swift.abs(klDiv(p.log(), p, reduction: .batchMean).item) < 1e-6)
    }
}
