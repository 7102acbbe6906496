import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Token-level cross-entropy and its summary against PyTorch:
/// `cross_entropy(x.reshape(-1, 3), y.reshape(-1), ignore_index=0)` = 1.8720641136169434 for the values below.
@Suite struct SequenceMetricsTests {
    let logits = Tensor(
        [1, 2, 0.5, 0, -1, 3, 2, 2, 2, 0.3, 0.1, -0.2], shape: [2, 2, 3])
    let targets = Tensor([1, 1, 0, 1], shape: [2, 2])

    @Test func tokenCrossEntropyMatchesPyTorchLeavingOutTheIgnoredTokens() {
        let batch = Batch(inputs: Tensor.zeros([2, 2]), labels: nil, targets: targets, indices: [0, 1])
        let loss = Objective.tokenCrossEntropy(ignoreIndex: 0).loss(logits, batch).item
        #expect(abs(Double(loss) - 1.8720641136169434) < 1e-6)
    }

    @Test func sequenceMetricsGivePerplexityAndTokenAccuracy() {
        var metrics = SequenceMetrics(ignoreIndex: 0)
        metrics.add(logits: logits, targets: targets)
        #expect(metrics.tokens == 3)
        #expect(abs(metrics.loss - 1.8720641136169434) < 1e-6)
        #expect(abs(metrics.perplexity - 6.501702785491943) < 1e-5)
        #expect(metrics.correct == 1)  // only the first token's highest logit (2) is its target (1)
        var summed = SequenceMetrics(ignoreIndex: 0)
        summed.add(sums: metrics.sums)
        summed.add(sums: metrics.sums)
        #expect(summed.tokens == 6 && abs(summed.loss - metrics.loss) < 1e-12)
    }

    @Test func evaluateSummarisesTokensUnderTheTokenObjective() throws {
        let model = Sequential([Embedding(5, 5, generator: RandomGenerator(seed: 1))])
        let ids: [Float] = [1, 2, 3, 4, 1, 2, 3, 4, 0]
        let data = LanguageModelDataset(ids: ids.map { Int($0) }, sequenceLength: 4)
        let loader = DataLoader(data, batchSize: .size(2))
        let evaluation = try evaluate(model: model, data: loader, objective: .tokenCrossEntropy())
        let sequence = try #require(evaluation.sequence)
        #expect(sequence.tokens == 8)
        #expect(evaluation.classification == nil && evaluation.regression == nil)
        #expect(abs(sequence.loss - evaluation.loss) < 1e-5)  // every batch has 8 tokens: the means agree
    }
}
