/// A classifier of token sequences (texts): an embedding, recurrent layers, the last layer's final state (both
/// directions joined), dropout and a linear head —
///
///     e = Embedding(ids),  (_, h_n) = RNN(e, lengths),  logits = W · dropout([h_n[−D], …, h_n[−1]]) + b
///
/// The input is `[batch, T]` token indices (as floats), padded on the right with index 0 (`<pad>`, which the
/// embedding maps to zeros); each sequence's length is its number of non-zero indices (at least 1), given to
/// the recurrent layer so that padding changes neither its final state nor the gradients (PyTorch's packed
/// sequences). State-dict keys: `embedding.weight`, `recurrent.weight_ih_l0`, …, `head.weight`, `head.bias`.
public final class SequenceClassifier: Module {
    /// The token embedding (`<pad>` = 0 is its padding index).
    public let embedding: Embedding
    /// The recurrent layers (batch-first).
    public let recurrent: RecurrentLayer
    /// Dropout on the final state, in training.
    public let dropout: Dropout
    /// The classification layer.
    public let head: Linear

    /// A classifier of sequences over `vocabularySize` tokens into `classes` classes.
    public init(
        vocabularySize: Int, classes: Int, cell: RecurrentCellKind = .lstm, embeddingDim: Int = 64,
        hiddenSize: Int = 128, numLayers: Int = 1, bidirectional: Bool = false, dropout: Float = 0,
        generator: RandomGenerator = .default
    ) {
        embedding = Embedding(vocabularySize, embeddingDim, paddingIndex: 0, generator: generator)
        recurrent = RecurrentLayer(
            kind: cell, inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true,
            dropout: numLayers > 1 ? dropout : 0, bidirectional: bidirectional, generator: generator)
        self.dropout = Dropout(dropout, generator: generator)
        head = Linear(hiddenSize * (bidirectional ? 2 : 1), classes, generator: generator)
        super.init()
    }

    /// A classifier from its parts: an embedding whose padding index is 0, a batch-first recurrent network over its
    /// vectors and a linear head over the last layer's final state (`directions · hiddenSize` features).
    public init(embedding: Embedding, recurrent: RecurrentLayer, dropout: Float = 0, head: Linear) {
        precondition(embedding.paddingIndex == 0, "SequenceClassifier: the embedding's padding index must be 0")
        precondition(recurrent.batchFirst, "SequenceClassifier: the recurrent layers must be batch-first")
        precondition(
            recurrent.inputSize == embedding.embeddingDim
                && head.inFeatures == recurrent.hiddenSize * recurrent.directions,
            "SequenceClassifier: the parts' sizes do not fit")
        self.embedding = embedding
        self.recurrent = recurrent
        self.dropout = Dropout(dropout, generator: recurrent.generator)
        self.head = head
        super.init()
    }

    /// Each row's length: its number of non-zero (non-`<pad>`) indices, at least 1.
    public static func lengths(of ids: Tensor) -> [Int] {
        let (batch, steps) = (ids.shape[0], ids.shape[1])
        let values = ids.scalars
        return (0..<batch).map { b in
            max(1, (0..<steps).reduce(0) { $0 + (values[b * steps + $1] != 0 ? 1 : 0) })
        }
    }

    /// Logits `[batch, classes]` for token indices `[batch, T]`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2, "SequenceClassifier: expects [batch, T] token indices, got \(x.shape)")
        let (_, state) = recurrent.forward(embedding(x), lengths: Self.lengths(of: x))
        let d = recurrent.directions, rows = state.h.shape[0], batch = x.shape[0]
        let last = state.h.slice(axis: 0, (rows - d)..<rows)  // [D, batch, H]
        let joined = last.permuted([1, 0, 2]).reshaped([batch, d * recurrent.hiddenSize])
        return head(dropout(joined))
    }

    /// `[batch, classes]` for `[batch, T]` inputs.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2 else {
            throw shapeError("expects [batch, T] token indices, got \(inputShape)")
        }
        return [inputShape[0], head.outFeatures]
    }
}
