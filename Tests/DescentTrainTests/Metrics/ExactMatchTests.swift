import Descent
import DescentData
import Testing

@testable import DescentTrain

@Suite struct ExactMatchTests {
    /// Three numbers as a batch `[3, 2, 10]` of (digits, words) rows.
    static func batch(_ numbers: [Int]) -> Batch {
        let data = SpellNumbers(numbers: numbers)
        let samples = (0..<numbers.count).map(data.sample(at:))
        return try! Collation.stack.collate(samples, indices: Array(numbers.indices))
    }

    static func model() -> Seq2Seq {
        Seq2Seq(
            sourceVocabulary: 44, targetVocabulary: 44, embeddingDim: 8, hiddenSize: 16,
            generator: RandomGenerator(seed: 3))
    }

    /// The metric counts the rows whose greedy decoding is the target before `<eos>`, as decoded by hand.
    @Test func countsTheRowsDecodedExactly() throws {
        let model = Self.model()
        model.eval()
        let batch = Self.batch([5, 12, 40_213])
        let metric = ExactMatch(model: model)
        #expect(metric.compute().isNaN)
        metric.update(output: model(batch.inputs), batch: batch)
        let decoded = model.greedyDecode(batch.inputs.slice(axis: 1, 0..<1).squeezed(1), maxLength: 10)
        let expected = [5, 12, 40_213].enumerated().filter { b, n in
            decoded[b] == Array(SpellNumbers.target(n).dropLast())
        }.count
        #expect(metric.count == 3 && metric.matches == expected)
        #expect(metric.compute() == Double(expected) / 3)
        metric.reset()
        #expect(metric.count == 0 && metric.compute().isNaN)
    }

    /// Trained on three numbers until it knows them, the model decodes all three exactly: `evaluate` reports
    /// an exact match of 1 in ``Evaluation/metrics``, beside the token metrics; untrained, less.
    @Test func aTrainedModelMatchesEveryRow() throws {
        let model = Self.model()
        let data = DataLoader(SpellNumbers(numbers: [5, 12, 40_213]), batchSize: 3)
        let metric = ExactMatch(model: model)
        let objective = Objective.tokenCrossEntropy(ignoreIndex: 0)
        let before = try evaluate(model: model, data: data, objective: objective, metrics: [metric])
        #expect(try #require(before.metrics["exact_match"]) < 1)
        let optimizer = Adam(model.parameters(), lr: 0.02)
        let batch = Self.batch([5, 12, 40_213])
        for _ in 0..<150 {
            optimizer.zeroGrad()
            objective.loss(model(batch.inputs), batch).backward()
            optimizer.step()
        }
        metric.reset()
        let after = try evaluate(model: model, data: data, objective: objective, metrics: [metric])
        #expect(after.metrics["exact_match"] == 1)
        #expect(after.sequence?.accuracy == 1)
        #expect(after.exactMatchSummary?.hasPrefix("exact match 100.00% (3/3)  token accuracy 100.00%") == true)
    }
}
