import Descent
import Testing

@testable import DescentTrain

/// `model.layers` with `embedding` and the recurrent layers: sizes inferred, options read, defaults the layers' own.
@Suite struct SequenceLayerConfigTests {
    @Test func embeddingThenLSTMLastThenLinearBuildsAClassifier() throws {
        let yaml = """
            model:
              layers:
                - {name: embedding, num_embeddings: 20, embedding_dim: 6, padding_idx: 0}
                - {name: lstm, hidden_size: 5, num_layers: 2, bidirectional: true, output: last}
                - {name: linear, out_features: classes}
            """
        let model = try TrainingConfig.parse(yaml: yaml).model.makeModel(inputShape: [7], classes: 3)
        let seq = try #require(model as? Sequential)
        let embedding = try #require(seq[0] as? Embedding), lstm = try #require(seq[1] as? LSTM)
        #expect(embedding.numEmbeddings == 20 && embedding.embeddingDim == 6 && embedding.paddingIndex == 0)
        #expect(lstm.inputSize == 6 && lstm.hiddenSize == 5 && lstm.numLayers == 2 && lstm.bidirectional)
        #expect(lstm.batchFirst && lstm.callOutput == .last)
        #expect((seq[2] as? Linear)?.inFeatures == 10)
        #expect(model(Tensor([1, 2, 3, 4, 5, 6, 7, 0, 0, 1, 2, 3, 4, 5], shape: [2, 7])).shape == [2, 3])
        #expect(model.namedParameters().map(\.0).contains("1.weight_hh_l1_reverse"))
    }

    @Test func recurrentDefaultsAreTheLayersOwn() throws {
        let yaml =
            "model:\n  layers: [{name: gru, hidden_size: 4}, {name: rnn, hidden_size: 3}, flatten, {name: linear, out_features: classes}]\n"
        let model = try #require(
            try TrainingConfig.parse(yaml: yaml).model.makeModel(inputShape: [5, 2], classes: 2) as? Sequential)
        let gru = try #require(model[0] as? GRU), rnn = try #require(model[1] as? RNN), torchGRU = GRU(2, 4)
        #expect(gru.numLayers == torchGRU.numLayers && gru.hasBias == torchGRU.hasBias)
        #expect(gru.dropout == torchGRU.dropout && gru.bidirectional == torchGRU.bidirectional)
        #expect(gru.callOutput == .sequence && rnn.nonlinearity == .tanh && rnn.inputSize == 4)
    }

    @Test func badSequenceLayerOptionsAreConfigErrors() throws {
        let badPadding =
            "model:\n  layers: [{name: embedding, num_embeddings: 4, embedding_dim: 2, padding_idx: 4}, flatten, {name: linear, out_features: classes}]\n"
        #expect(throws: DescentError.self) {
            try TrainingConfig.parse(yaml: badPadding).model.makeModel(inputShape: [3], classes: 2)
        }
        let flatInput =
            "model:\n  layers: [{name: lstm, hidden_size: 4, output: last}, {name: linear, out_features: classes}]\n"
        #expect(throws: DescentError.self) {
            try TrainingConfig.parse(yaml: flatInput).model.makeModel(inputShape: [3], classes: 2)
        }
        #expect(throws: DescentError.self) {
            try TrainingConfig.parse(yaml: "model:\n  layers: [{name: lstm, hidden_size: 4, input_size: 3}]\n")
        }
    }
}
