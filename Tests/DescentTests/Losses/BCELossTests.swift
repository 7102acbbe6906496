import Testing

@testable import Descent

@Suite struct BCELossTests {
    /// BCE on probabilities against PyTorch (losses.json): all reductions, no / elementwise / broadcast weights,
    /// exact 0 and 1 inputs (logs clamped at −100, gradient through max(x(1−x), 1e-12)); rtol 1e-4.
    @Test func bceMatchesPyTorch() throws {
        let count = try LossFixture.check(loss: "binary_cross_entropy") { c, x, t in
            BCELoss(weight: c.weight?.tensor, reduction: c.reductionValue)(x, t!)
        }
        #expect(count == 12)
    }

    /// BCE with logits against PyTorch (losses.json): all reductions, weights, pos_weight (last axis and 3-D),
    /// logits up to ±100; input and target gradients; rtol 1e-4.
    @Test func bceWithLogitsMatchesPyTorch() throws {
        let count = try LossFixture.check(loss: "binary_cross_entropy_with_logits") { c, x, t in
            BCEWithLogitsLoss(weight: c.weight?.tensor, reduction: c.reductionValue, posWeight: c.posWeight?.tensor)(
                x, t!)
        }
        #expect(count == 18)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let p = TestData.normal([3, 4], seed: 351).sigmoid() * 0.8 + 0.1
        let y = TestData.normal([3, 4], seed: 352).sigmoid()
        let w = TestData.positive([4], seed: 353)
        for reduction in Reduction.allCases {
            expectGradientsMatchFiniteDifferences([p, y], eps: 1e-3, "bce \(reduction)") {
                TestData.weightedSum(binaryCrossEntropy($0[0], $0[1], weight: w, reduction: reduction))
            }
            let x = TestData.normal([3, 4], seed: 354, scale: 3)
            expectGradientsMatchFiniteDifferences([x, y], "bceWithLogits \(reduction)") {
                TestData.weightedSum(
                    binaryCrossEntropyWithLogits(
                        $0[0], $0[1], weight: w, posWeight: w * 2,
                        reduction: reduction))
            }
        }
    }

    /// With logits, the loss equals BCE of sigmoid(x) where that is accurate, and stays finite where it is not.
    @Test func withLogitsAgreesWithSigmoidAndStaysStable() {
        let x = TestData.normal([4, 6], seed: 355, scale: 2), y = TestData.normal([4, 6], seed: 356).sigmoid()
        expectClose(
            binaryCrossEntropyWithLogits(x, y, reduction: .none),
            binaryCrossEntropy(x.sigmoid(), y, reduction: .none), rtol: 1e-4)
        let big = Tensor([200, -200]).requiringGrad()
        let loss = binaryCrossEntropyWithLogits(big, Tensor([0, 1]), reduction: .none)
        #expect(loss.scalars == [200, 200])
        loss.sum().backward()
        #expect(big.grad!.scalars == [1, -1])
    }
}
