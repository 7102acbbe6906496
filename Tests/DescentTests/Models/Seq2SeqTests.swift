import Foundation
import Testing

@testable import Descent

@Suite struct Seq2SeqTests {
    /// A batch of two (source, target) pairs `[2, 2, 5]`, padded with 0; the targets end with `<eos>` (3).
    static let batch = Tensor(
        [
            [7, 5, 9, 4, 0], [6, 8, 11, 3, 0],
            [10, 12, 0, 0, 0], [9, 3, 0, 0, 0],
        ].flatMap { $0 }, shape: [2, 2, 5])

    static func model(_ cell: RecurrentCellKind, layers: Int = 1) -> Seq2Seq {
        Seq2Seq(
            sourceVocabulary: 13, targetVocabulary: 12, cell: cell, embeddingDim: 6, hiddenSize: 5, numLayers: layers,
            generator: RandomGenerator(seed: 11))
    }

    @Test func shapesAndStateDictNames() throws {
        let model = Self.model(.gru)
        #expect(model(Self.batch).shape == [2, 5, 12])
        #expect(try model.outputShape(for: [8, 2, 10]) == [8, 10, 12])
        #expect(throws: DescentError.self) { try model.outputShape(for: [8, 10]) }
        #expect(throws: DescentError.self) { try model.outputShape(for: [8, 3, 10]) }
        #expect(
            model.stateDict().map(\.0) == [
                "source_embedding.weight", "encoder.weight_ih_l0", "encoder.weight_hh_l0", "encoder.bias_ih_l0",
                "encoder.bias_hh_l0", "target_embedding.weight", "decoder.weight_ih_l0", "decoder.weight_hh_l0",
                "decoder.bias_ih_l0", "decoder.bias_hh_l0", "head.weight", "head.bias",
            ])
    }

    @Test func teacherForcingShiftsTheTargetRight() {
        let targets = Tensor([6, 8, 11, 3, 0, 9, 3, 0, 0, 0], shape: [2, 5])
        #expect(Seq2Seq.shiftedRight(targets).scalars == [2, 6, 8, 11, 3, 2, 9, 3, 0, 0])
    }

    /// The teacher-forced pass equals a step-by-step pass fed the same tokens (`<bos>`, then the target), one
    /// decoder step at a time carrying the state: the logits of every position agree.
    @Test(arguments: [RecurrentCellKind.gru, .lstm], [1, 2])
    func teacherForcingEqualsStepByStep(cell: RecurrentCellKind, layers: Int) {
        let model = Self.model(cell, layers: layers)
        model.eval()
        let forced = model(Self.batch).scalars
        let source = Self.batch.slice(axis: 1, 0..<1).squeezed(1)
        let inputs = Seq2Seq.shiftedRight(Self.batch.slice(axis: 1, 1..<2).squeezed(1)).scalars
        var state = model.encode(source)
        for t in 0..<5 {
            let step = model.decode(Tensor([inputs[t], inputs[5 + t]], shape: [2, 1]), state: state)
            state = step.state
            #expect(step.logits.shape == [2, 1, 12])
            for b in 0..<2 {
                for v in 0..<12 {
                    #expect(abs(step.logits.scalars[b * 12 + v] - forced[(b * 5 + t) * 12 + v]) <= 1e-5)
                }
            }
        }
    }

    /// The source's padding changes neither the encoder's state nor the decoding: each pair alone gives the same
    /// logits as in the padded batch.
    @Test func sourcePaddingChangesNothing() {
        let model = Self.model(.gru)
        model.eval()
        let together = model(Self.batch).scalars
        let alone = model(
            Tensor([10, 12, 9, 3], shape: [1, 2, 2])
        ).scalars
        for t in 0..<2 {
            for v in 0..<12 { #expect(abs(alone[t * 12 + v] - together[(5 + t) * 12 + v]) <= 1e-5) }
        }
    }

    /// Greedy decoding feeds back the argmax of each step: it equals the tokens picked from step-by-step logits,
    /// stops a row at its `<eos>` and gives at most `maxLength` tokens.
    @Test func greedyDecodingFollowsTheArgmax() {
        let model = Self.model(.gru)
        model.eval()
        let source = Self.batch.slice(axis: 1, 0..<1).squeezed(1)
        let decoded = model.greedyDecode(source, maxLength: 6)
        #expect(decoded.count == 2)
        for b in 0..<2 {
            let row = source.slice(axis: 0, b..<(b + 1))
            var state = model.encode(row), token = Seq2Seq.beginIndex, expected: [Int] = []
            for _ in 0..<6 {
                let step = model.decode(Tensor([Float(token)], shape: [1, 1]), state: state)
                state = step.state
                token = step.logits.argmax()
                if token == Seq2Seq.endIndex { break }
                expected.append(token)
            }
            #expect(decoded[b] == expected)
            #expect(decoded[b].count <= 6 && !decoded[b].contains(Seq2Seq.endIndex))
        }
    }

    /// Trained on one pair, the model learns to decode it exactly (teacher forcing reaches greedy decoding).
    @Test func learnsToDecodeAPair() {
        let model = Self.model(.gru)
        let pair = Tensor([4, 5, 0, 0, 7, 8, 9, 3], shape: [1, 2, 4])
        let optimizer = Adam(model.parameters(), lr: 0.05)
        for _ in 0..<60 {
            optimizer.zeroGrad()
            crossEntropy(model(pair).reshaped([4, 12]), [7, 8, 9, 3], ignoreIndex: 0).backward()
            optimizer.step()
        }
        model.eval()
        #expect(model.greedyDecode(Tensor([4, 5, 0, 0], shape: [1, 4]), maxLength: 4) == [[7, 8, 9]])
    }
}
