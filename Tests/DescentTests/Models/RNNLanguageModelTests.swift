import Foundation
import Testing

@testable import Descent

/// `Tests/DescentTests/Fixtures/language_model.json`, written by `Tests/Fixtures/generate_language_model.py`
/// (PyTorch's word_language_model RNNModel, 2-layer LSTM, float64 on float32-exact weights).
struct LanguageModelFixture: Decodable {
    let state: StateJSON
    let ids, targets: [Int]
    let logits, hn, cn: FixtureTensor
    let loss: Double
    let grads: [String: FixtureTensor]
}

@Suite struct RNNLanguageModelTests {
    @Test func matchesPyTorchsWordLanguageModel() throws {
        let fixture: LanguageModelFixture = try loadFixture("language_model.json")
        let model = RNNLanguageModel(
            vocabularySize: 11, cell: .lstm, embeddingDim: 6, hiddenSize: 5, numLayers: 2,
            generator: RandomGenerator(seed: 1))
        #expect(model.stateDict().map(\.0) == fixture.state.keys)
        _ = try model.load(stateDict: fixture.state.stateDict)
        let (logits, state) = model.forward(Tensor(fixture.ids.map(Float.init), shape: [2, 5]))
        expectClose(logits, fixture.logits.tensor, rtol: 1e-4, "logits")
        expectClose(state.h, fixture.hn.tensor, rtol: 1e-4, "h_n")
        expectClose(state.c!, fixture.cn.tensor, rtol: 1e-4, "c_n")
        let loss = crossEntropy(logits.reshaped([10, 11]), fixture.targets)
        #expect(abs(Double(loss.item) - fixture.loss) <= 1e-5 * abs(fixture.loss))
        loss.backward()
        for (name, parameter) in model.namedParameters() {
            expectClose(parameter.grad!, fixture.grads[name]!.tensor, rtol: 1e-3, floor: 1e-4, "d loss / d \(name)")
        }
    }

    /// Feeding a text in two pieces with the state carried gives the logits of one pass over the whole.
    @Test(arguments: [RecurrentCellKind.lstm, .gru, .rnnTanh])
    func carriedStateEqualsOnePass(cell: RecurrentCellKind) {
        let model = RNNLanguageModel(
            vocabularySize: 9, cell: cell, embeddingDim: 4, hiddenSize: 6, numLayers: 2, dropout: 0.3,
            generator: RandomGenerator(seed: 3))
        model.eval()
        let ids: [Float] = [4, 5, 8, 1, 7, 6, 4, 4, 2, 3, 8, 6, 5, 7]
        let whole = model(Tensor(ids, shape: [2, 7]))
        #expect(whole.shape == [2, 7, 9])
        // Rows [4, 5, 8, 1, 7, 6, 4] and [4, 2, 3, 8, 6, 5, 7], cut after step 3.
        let (head, state) = model.forward(Tensor([4, 5, 8, 4, 2, 3], shape: [2, 3]))
        let (tail, _) = model.forward(Tensor([1, 7, 6, 4, 8, 6, 5, 7], shape: [2, 4]), state: state)
        #expect(head.shape == [2, 3, 9] && tail.shape == [2, 4, 9])
        let joined = Tensor.concatenate([head, tail], axis: 1)
        expectClose(joined, whole, rtol: 1e-5, "two pieces vs one pass")
    }

    @Test func shapesAndInitialisation() throws {
        let model = RNNLanguageModel(vocabularySize: 20, embeddingDim: 3, hiddenSize: 4)
        #expect(try model.outputShape(for: [8, 16]) == [8, 16, 20])
        #expect(throws: DescentError.self) { try model.outputShape(for: [8]) }
        #expect(model.encoder.weight.scalars.allSatisfy { abs($0) <= RNNLanguageModel.initRange })
        #expect(model.decoder.weight.scalars.allSatisfy { abs($0) <= RNNLanguageModel.initRange })
        #expect(model.decoder.bias!.scalars.allSatisfy { $0 == 0 })
        #expect(
            model.stateDict().map(\.0) == [
                "encoder.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "decoder.weight", "decoder.bias",
            ])
    }
}
