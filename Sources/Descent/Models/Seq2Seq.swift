/// An encoder–decoder of token sequences (Sutskever et al.'s sequence-to-sequence model, without attention): the
/// encoder reads the source, its final state starts the decoder, which predicts the target one token at a time —
///
///     (_, s) = Encoder(E_src(x), lengths),  (o, _) = Decoder(E_tgt([<bos>, y₁, …, y_{T−1}]), s),
///     logits_t = W · dropout(o_t) + b
///
/// **Input layout** (what one training sample holds, so that the ordinary ``Module`` call and an unchanged
/// trainer can train it with teacher forcing): `[batch, 2, T]` token indices (as floats), row 0 the source and
/// row 1 the target, each padded on the right with `<pad>` = 0; the target ends with `<eos>`. The output is the
/// logits `[batch, T, V]` of every target position, for a token cross-entropy that ignores `<pad>`. The decoder
/// reads `<bos>` and then the true target shifted right by one (teacher forcing), so position `t` predicts `y_t`
/// from `y_{<t}`; each source's length is its number of non-`<pad>` tokens (at least 1), given to the encoder so
/// that padding changes neither its final state nor the gradients.
///
/// At inference ``greedyDecode(_:maxLength:)`` feeds back the highest-scoring token instead, step by step, until
/// `<eos>`. Encoder and decoder share the cell kind, hidden size and number of layers (the encoder is
/// unidirectional, so its final state fits the decoder). Token indices follow ``Seq2Seq/padIndex``,
/// ``Seq2Seq/beginIndex``, ``Seq2Seq/endIndex`` (the text vocabulary's). State-dict keys:
/// `source_embedding.weight`, `encoder.weight_ih_l0`, …, `target_embedding.weight`, `decoder.weight_ih_l0`, …,
/// `head.weight`, `head.bias`.
public final class Seq2Seq: Module {
    /// `<pad>`: the padding index of both embeddings.
    public static let padIndex = 0
    /// `<bos>`: the decoder's first input.
    public static let beginIndex = 2
    /// `<eos>`: ends a target.
    public static let endIndex = 3

    /// The source token embedding.
    public let sourceEmbedding: Embedding
    /// The encoder (batch-first).
    public let encoder: RecurrentLayer
    /// The target token embedding (the decoder's inputs).
    public let targetEmbedding: Embedding
    /// The decoder (batch-first), started from the encoder's final state.
    public let decoder: RecurrentLayer
    /// Dropout on the decoder's outputs, in training.
    public let dropout: Dropout
    /// The projection of the decoder's outputs to the target vocabulary.
    public let head: Linear

    /// A model from sources over `sourceVocabulary` tokens to targets over `targetVocabulary` tokens; `dropout`
    /// acts on the embeddings' outputs, between stacked layers and on the decoder's outputs.
    public init(
        sourceVocabulary: Int, targetVocabulary: Int, cell: RecurrentCellKind = .gru, embeddingDim: Int = 64,
        hiddenSize: Int = 256, numLayers: Int = 1, dropout: Float = 0, generator: RandomGenerator = .default
    ) {
        precondition(
            sourceVocabulary > Self.endIndex && targetVocabulary > Self.endIndex,
            "Seq2Seq: vocabularies must hold the special tokens, got \(sourceVocabulary), \(targetVocabulary)")
        sourceEmbedding = Embedding(sourceVocabulary, embeddingDim, paddingIndex: Self.padIndex, generator: generator)
        encoder = RecurrentLayer(
            kind: cell, inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
            dropout: numLayers > 1 ? dropout : 0, generator: generator)
        targetEmbedding = Embedding(targetVocabulary, embeddingDim, paddingIndex: Self.padIndex, generator: generator)
        decoder = RecurrentLayer(
            kind: cell, inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
            dropout: numLayers > 1 ? dropout : 0, generator: generator)
        self.dropout = Dropout(dropout, generator: generator)
        head = Linear(hiddenSize, targetVocabulary, generator: generator)
        super.init()
    }

    /// The encoder's final state for sources `[batch, S]` (token indices, right-padded with `<pad>`).
    public func encode(_ source: Tensor) -> RecurrentState {
        precondition(source.rank == 2, "Seq2Seq: expects sources [batch, S], got \(source.shape)")
        let lengths = SequenceClassifier.lengths(of: source)
        return encoder.forward(dropout(sourceEmbedding(source)), lengths: lengths).state
    }

    /// The logits `[batch, T, V]` of the decoder reading `inputs` `[batch, T]` (token indices) from `state`, and
    /// the state after the last step.
    public func decode(_ inputs: Tensor, state: RecurrentState) -> (logits: Tensor, state: RecurrentState) {
        precondition(inputs.rank == 2, "Seq2Seq: expects decoder inputs [batch, T], got \(inputs.shape)")
        let (batch, steps) = (inputs.shape[0], inputs.shape[1])
        let (output, next) = decoder.forward(dropout(targetEmbedding(inputs)), initialState: state)
        let logits = head(dropout(output).reshaped([batch * steps, decoder.hiddenSize]))
        return (logits.reshaped([batch, steps, head.outFeatures]), next)
    }

    /// The decoder's inputs under teacher forcing, `[<bos>, y₁, …, y_{T−1}]` per row, for targets `[batch, T]`.
    public static func shiftedRight(_ targets: Tensor) -> Tensor {
        precondition(targets.rank == 2, "Seq2Seq: expects targets [batch, T], got \(targets.shape)")
        let (batch, steps) = (targets.shape[0], targets.shape[1])
        let y = targets.scalars
        var out = [Float](repeating: Float(padIndex), count: batch * steps)
        for b in 0..<batch {
            out[b * steps] = Float(beginIndex)
            for t in 1..<max(steps, 1) { out[b * steps + t] = y[b * steps + t - 1] }
        }
        return Tensor(out, shape: [batch, steps])
    }

    /// Teacher-forced logits `[batch, T, V]` for a batch `[batch, 2, T]` of (source, target) rows (see the layout
    /// above).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(
            x.rank == 3 && x.shape[1] == 2, "Seq2Seq: expects [batch, 2, T] source and target rows, got \(x.shape)")
        let source = x.slice(axis: 1, 0..<1).squeezed(1), target = x.slice(axis: 1, 1..<2).squeezed(1)
        return decode(Self.shiftedRight(target), state: encode(source)).logits
    }

    /// Greedy decoding: from `<bos>` and the encoder's state of `source` `[batch, S]`, each step feeds back the
    /// token of highest logit, carrying the decoder's state, until every row has produced `<eos>` or `maxLength`
    /// tokens. Returns each row's tokens before its `<eos>` (all `maxLength` when none came). Call it in eval mode
    /// (and under `withNoGrad` when no gradient is wanted).
    public func greedyDecode(_ source: Tensor, maxLength: Int) -> [[Int]] {
        precondition(maxLength >= 1, "Seq2Seq: maxLength must be at least 1, got \(maxLength)")
        let batch = source.shape[0], vocabulary = head.outFeatures
        var state = encode(source)
        var tokens = [Int](repeating: Self.beginIndex, count: batch)
        var out = [[Int]](repeating: [], count: batch), done = [Bool](repeating: false, count: batch)
        for _ in 0..<maxLength {
            let step = decode(Tensor(tokens.map(Float.init), shape: [batch, 1]), state: state)
            state = step.state
            tokens = step.logits.reshaped([batch, vocabulary]).argmax(axis: 1)
            for b in 0..<batch where !done[b] {
                if tokens[b] == Self.endIndex { done[b] = true } else { out[b].append(tokens[b]) }
            }
            if !done.contains(false) { break }
        }
        return out
    }

    /// `[batch, T, V]` for `[batch, 2, T]` inputs.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[1] == 2, inputShape[2] >= 1 else {
            throw shapeError("expects [batch, 2, T] source and target token rows, got \(inputShape)")
        }
        return [inputShape[0], inputShape[2], head.outFeatures]
    }
}
