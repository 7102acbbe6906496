import Testing

@testable import Descent

@Suite struct CrossEntropyLossTests {
    /// Every option combination against PyTorch (losses.json): class indices for [N, C], [C] and [N, C, d₁, d₂]
    /// inputs, class weights, ignore index (default and a real class), label smoothing, probability targets,
    /// all reductions, large logits; relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let count = try LossFixture.check(loss: "cross_entropy") { c, x, t in
            let loss = CrossEntropyLoss(
                weight: c.weight?.tensor, ignoreIndex: c.ignoreIndex ?? -100,
                reduction: c.reductionValue, labelSmoothing: c.labelSmoothing ?? 0)
            if let t { return loss(x, t) }
            return loss(x, c.targetIndices!)
        }
        #expect(count == 123)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([4, 5], seed: 301, scale: 2)
        let targets = [0, 4, 2, 2]
        let w = TestData.positive([5], seed: 302)
        for reduction in Reduction.allCases {
            for smoothing: Float in [0, 0.15] {
                expectGradientsMatchFiniteDifferences([x], "indices \(reduction) ε=\(smoothing)") {
                    TestData.weightedSum(
                        crossEntropy(
                            $0[0], targets, weight: w, ignoreIndex: 2, reduction: reduction,
                            labelSmoothing: smoothing))
                }
            }
        }
        let x4 = TestData.normal([2, 3, 2, 2], seed: 303)
        expectGradientsMatchFiniteDifferences([x4], "indices [N, C, d1, d2]") {
            crossEntropy($0[0], [0, 1, 2, 1, 0, 2, 2, 1], labelSmoothing: 0.1)
        }
        let p = TestData.normal([4, 5], seed: 304).softmax()
        expectGradientsMatchFiniteDifferences([x, p], "probabilities") {
            TestData.weightedSum(crossEntropy($0[0], $0[1], weight: w, reduction: .none, labelSmoothing: 0.2))
        }
    }

    /// Class-index targets equal the one-hot probability form, and the fused loss equals log-softmax + NLL.
    @Test func indexFormAgreesWithCompositions() {
        let x = TestData.normal([6, 4], seed: 305, scale: 3)
        let targets = [3, 0, 1, 1, 2, 0]
        let w = TestData.positive([4], seed: 306)
        let oneHot = Tensor.oneHot(targets, classes: 4)
        expectClose(
            crossEntropy(x, targets, labelSmoothing: 0.1), crossEntropy(x, oneHot, labelSmoothing: 0.1),
            rtol: 1e-5, "indices vs one-hot probabilities")
        expectClose(
            crossEntropy(x, targets, weight: w), nllLoss(x.logSoftmax(), targets, weight: w), rtol: 1e-5,
            "fused vs logSoftmax + nllLoss")
        expectClose(
            crossEntropy(x, targets, reduction: .none), nllLoss(x.logSoftmax(), targets, reduction: .none),
            rtol: 1e-5, "per sample")
    }

    /// Unweighted, unsmoothed mean: the gradient is exactly (softmax − one-hot) / N.
    @Test func gradientIsSoftmaxMinusOneHot() {
        let x = TestData.normal([5, 7], seed: 307).requiringGrad()
        let targets = [6, 0, 3, 3, 1]
        crossEntropy(x, targets).backward()
        let expected = (x.detach().softmax() - Tensor.oneHot(targets, classes: 7)) / 5
        expectClose(x.grad!, expected, rtol: 1e-5)
    }

    @Test func extremeLogitsStayFinite() {
        let x = Tensor([1e4, -1e4, 0, -.infinity, 3, 3], shape: [2, 3]).requiringGrad()
        let loss = crossEntropy(x, [1, 2], reduction: .none)
        #expect(loss.scalars[0] == 2e4)
        #expect(Swift.abs(loss.scalars[1] - 0.6931472) < 1e-6)
        loss.sum().backward()
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
    }

    /// PyTorch: a mean over no counted targets is 0/0 = NaN; the gradient is 0.
    @Test func allIgnoredMeanIsNaN() {
        let x = TestData.normal([2, 3], seed: 308).requiringGrad()
        let loss = crossEntropy(x, [-100, -100])
        #expect(loss.item.isNaN)
        #expect(crossEntropy(x, [-100, -100], reduction: .sum).item == 0)
        loss.backward()
        #expect(x.grad!.scalars.allSatisfy { $0 == 0 })
    }

    /// A batch large enough for the parallel kernel: repeatable to the bit, and equal to log-softmax + NLL.
    @Test func largeBatchMatchesComposition() {
        let x = TestData.normal([3000, 10], seed: 309)
        let targets = (0..<3000).map { $0 % 10 }
        let a = crossEntropy(x, targets), b = crossEntropy(x, targets)
        #expect(a.isBitwiseEqual(b))
        let reference = nllLoss(x.logSoftmax(), targets)
        expectClose(a, reference, rtol: 1e-5)
    }

    /// An out-of-range class index is a programmer error: the process stops with a message naming it.
    @Test func outOfRangeTargetIsAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(Tensor.zeros([2, 3]), [1, 3])
        }
        if let result {
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("crossEntropy: target 3 at position 1 is out of range for 3 classes"))
        }
    }
}
