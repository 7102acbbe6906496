/// A language model over tokens, PyTorch's `word_language_model` `RNNModel`: an embedding, stacked recurrent
/// layers, dropout and a linear decoder to the vocabulary at every step —
///
///     e = dropout(Embedding(ids)),  (o, state′) = RNN(e, state),  logits = W · dropout(o) + b
///
/// The input is `[batch, T]` token indices (as floats), the output `[batch, T, V]` logits of the next token
/// after each step. ``forward(_:state:)`` takes and returns the recurrent state, so text can be fed one step at
/// a time (generation) or window after window. State-dict keys as PyTorch's: `encoder.weight`,
/// `rnn.weight_ih_l0`, …, `decoder.weight`, `decoder.bias`; the embedding and decoder weights are initialised
/// `U(−0.1, 0.1)` and the decoder bias 0 (the example's `init_weights`), the recurrent layers as PyTorch's.
public final class RNNLanguageModel: Module {
    /// The token embedding (`ntoken × ninp`).
    public let encoder: Embedding
    /// The recurrent layers (batch-first).
    public let rnn: RecurrentLayer
    /// Dropout on the embeddings and on the last layer's outputs, in training.
    public let drop: Dropout
    /// The linear map from the hidden state to the vocabulary's logits.
    public let decoder: Linear

    /// The range of the example's uniform initialisation of the embedding and decoder weights.
    public static let initRange: Float = 0.1

    /// A model over `vocabularySize` tokens.
    public init(
        vocabularySize: Int, cell: RecurrentCellKind = .lstm, embeddingDim: Int = 64, hiddenSize: Int = 128,
        numLayers: Int = 1, dropout: Float = 0, generator: RandomGenerator = .default
    ) {
        encoder = Embedding(vocabularySize, embeddingDim, generator: generator)
        rnn = RecurrentLayer(
            kind: cell, inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
            dropout: numLayers > 1 ? dropout : 0, generator: generator)
        drop = Dropout(dropout, generator: generator)
        decoder = Linear(hiddenSize, vocabularySize, generator: generator)
        super.init()
        let r = Self.initRange
        Initializer.uniform(low: -r, high: r).fill(encoder.weight, generator: generator)
        Initializer.uniform(low: -r, high: r).fill(decoder.weight, generator: generator)
        if let bias = decoder.bias { Initializer.zeros.fill(bias) }
    }

    /// The number of tokens `V`.
    public var vocabularySize: Int { decoder.outFeatures }

    /// Logits `[batch, T, V]` for token indices `[batch, T]` from the state `state` (zeros when `nil`), and the
    /// state after the last step (to carry into the next call).
    public func forward(_ ids: Tensor, state: RecurrentState? = nil) -> (logits: Tensor, state: RecurrentState) {
        precondition(ids.rank == 2, "RNNLanguageModel: expects [batch, T] token indices, got \(ids.shape)")
        let (output, next) = rnn.forward(drop(encoder(ids)), initialState: state)
        return (decoder(drop(output)), next)
    }

    /// Logits `[batch, T, V]` for token indices `[batch, T]`, from a zero state.
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(x).logits }

    /// `[batch, T, V]` for `[batch, T]` inputs.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2 else {
            throw shapeError("expects [batch, T] token indices, got \(inputShape)")
        }
        return inputShape + [decoder.outFeatures]
    }
}
