import Foundation
import Testing

@testable import Descent

@Suite struct SequenceClassifierTests {
    /// A padded batch gives each sequence the logits (and the embedding gradient rows) it gets alone: the
    /// lengths come from the padding, so padded steps change nothing.
    @Test(arguments: [RecurrentCellKind.lstm, .gru], [false, true])
    func paddingChangesNothing(cell: RecurrentCellKind, bidirectional: Bool) {
        let model = SequenceClassifier(
            vocabularySize: 12, classes: 3, cell: cell, embeddingDim: 5, hiddenSize: 4, numLayers: 2,
            bidirectional: bidirectional, generator: RandomGenerator(seed: 7))
        model.eval()
        let rows: [[Float]] = [[4, 9, 2, 7, 5], [3, 11, 0, 0, 0], [6, 0, 0, 0, 0]]
        let batch = Tensor(rows.flatMap { $0 }, shape: [3, 5])
        #expect(SequenceClassifier.lengths(of: batch) == [5, 2, 1])
        let together = model(batch)
        #expect(together.shape == [3, 3])
        for (b, row) in rows.enumerated() {
            let n = row.firstIndex(of: 0) ?? row.count
            let alone = model(Tensor(Array(row.prefix(n)), shape: [1, n]))
            for k in 0..<3 {
                #expect(abs(alone.scalars[k] - together.scalars[b * 3 + k]) <= 1e-5)
            }
        }
        // The <pad> row of the embedding receives no gradient; the tokens used do.
        model.train()
        model.zeroGrad()
        model(batch).sum().backward()
        let grad = model.embedding.weight.grad!.scalars
        #expect(grad[0..<5].allSatisfy { $0 == 0 })
        #expect(grad[(9 * 5)..<(10 * 5)].contains { $0 != 0 })
        #expect(grad[(10 * 5)..<(11 * 5)].allSatisfy { $0 == 0 })  // token 10 is not in the batch
    }

    @Test func stateDictNamesFollowTheParts() throws {
        let model = SequenceClassifier(vocabularySize: 8, classes: 2, embeddingDim: 3, hiddenSize: 2)
        #expect(
            model.stateDict().map(\.0) == [
                "embedding.weight", "recurrent.weight_ih_l0", "recurrent.weight_hh_l0", "recurrent.bias_ih_l0",
                "recurrent.bias_hh_l0", "head.weight", "head.bias",
            ])
        #expect(try model.outputShape(for: [4, 9]) == [4, 2])
        #expect(throws: DescentError.self) { try model.outputShape(for: [4, 9, 1]) }
    }
}
