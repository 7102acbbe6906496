/// A classifier of sequences of feature vectors laid out as a spectrogram, `[1, features, frames]` (or `[features,
/// frames]`) per sample — e.g. log-mel bands × frames: frame `t` (column `t`) is time step `t`. Recurrent layers
/// read the frames in order, the last layer's final state (both directions joined) goes through dropout and a
/// linear head —
///
///     x_t = input[:, 0, :, t],  (_, h_n) = RNN(x_0 … x_{T−1}),  logits = W · dropout([h_n[−D], …, h_n[−1]]) + b
///
/// (PyTorch: `rnn(x.squeeze(1).permute(2, 0, 1))`). State-dict keys: `recurrent.weight_ih_l0`, …, `head.weight`,
/// `head.bias`.
public final class FrameSequenceClassifier: Module {
    /// The recurrent layers, over `[T, batch, features]`.
    public let recurrent: RecurrentLayer
    /// Dropout on the final state, in training.
    public let dropout: Dropout
    /// The classification layer.
    public let head: Linear

    /// A classifier of sequences of `features`-vectors into `classes` classes; `dropout` also applies between
    /// stacked layers.
    public init(
        features: Int, classes: Int, cell: RecurrentCellKind = .gru, hiddenSize: Int = 128, numLayers: Int = 1,
        bidirectional: Bool = false, dropout: Float = 0, generator: RandomGenerator = .default
    ) {
        recurrent = RecurrentLayer(
            kind: cell, inputSize: features, hiddenSize: hiddenSize, numLayers: numLayers,
            dropout: numLayers > 1 ? dropout : 0, bidirectional: bidirectional, generator: generator)
        self.dropout = Dropout(dropout, generator: generator)
        head = Linear(hiddenSize * (bidirectional ? 2 : 1), classes, generator: generator)
        super.init()
    }

    /// The size of each frame's feature vector.
    public var features: Int { recurrent.inputSize }

    /// The time-major sequence `[T, batch, features]` of inputs `[batch, 1, features, T]` or `[batch, features, T]`.
    public func frames(_ x: Tensor) -> Tensor {
        precondition(
            (x.rank == 4 && x.shape[1] == 1 && x.shape[2] == features) || (x.rank == 3 && x.shape[1] == features),
            "FrameSequenceClassifier: expects [batch, 1, \(features), T] or [batch, \(features), T], got \(x.shape)")
        let spectra = x.rank == 4 ? x.reshaped([x.shape[0], features, x.shape[3]]) : x
        return spectra.permuted([2, 0, 1])
    }

    /// Logits `[batch, classes]` for inputs `[batch, 1, features, T]` or `[batch, features, T]`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let (_, state) = recurrent.forward(frames(x))
        return head(dropout(recurrent.lastLayerState(state.h)))
    }

    /// `[batch, classes]` for `[batch, 1, features, T]` or `[batch, features, T]` inputs.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        let fits =
            (inputShape.count == 4 && inputShape[1] == 1 && inputShape[2] == features && inputShape[3] >= 1)
            || (inputShape.count == 3 && inputShape[1] == features && inputShape[2] >= 1)
        guard fits, inputShape[0] >= 1 else {
            throw shapeError(
                "expects [batch, 1, \(features), T] or [batch, \(features), T] (features × frames), got \(inputShape)")
        }
        return [inputShape[0], head.outFeatures]
    }
}
