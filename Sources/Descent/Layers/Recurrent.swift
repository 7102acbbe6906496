import Foundation

/// The state a recurrent layer starts from and ends with: `h` (and `c` for LSTM), each
/// `[numLayers · directions, batch, hiddenSize]` (`[numLayers · directions, hiddenSize]` for an unbatched input), in
/// PyTorch's order: layer 0 forward, layer 0 reverse, layer 1 forward, …. For a cell, `[batch, hiddenSize]`.
public struct RecurrentState {
    /// The hidden state `h`.
    public var h: Tensor
    /// The cell state `c` (LSTM only).
    public var c: Tensor?

    /// A state with hidden state `h` and, for LSTM, cell state `c`.
    public init(h: Tensor, c: Tensor? = nil) {
        self.h = h
        self.c = c
    }
}

/// What a recurrent layer's ``RecurrentLayer/callAsFunction(_:)`` returns.
public enum RecurrentOutput: String, Sendable, CaseIterable {
    /// The last layer's `h` at every step, `[T, batch, directions · H]` (PyTorch's `output`).
    case sequence
    /// The last layer's final `h`, both directions concatenated: `[batch, directions · H]` (`h_n[-D:]` joined).
    case last
}

/// A multi-layer recurrent network over a sequence (the common part of PyTorch's `nn.RNN`, `nn.LSTM`, `nn.GRU`);
/// the cell of each step is given by ``kind`` (see ``RecurrentCellKind`` for the formulas).
///
/// The input is `[T, batch, inputSize]` (`[batch, T, inputSize]` with `batchFirst`, `[T, inputSize]` unbatched);
/// the output holds the last layer's `h` at every step, `[T, batch, directions · hiddenSize]` (the forward and
/// reverse directions concatenated). Layer `l > 0` reads layer `l − 1`'s output, with dropout `p = dropout` in
/// between during training. Parameters carry PyTorch's names and layouts: for layer `l`, `weight_ih_l{l}`
/// `[G·H, in]`, `weight_hh_l{l}` `[G·H, H]`, `bias_ih_l{l}`, `bias_hh_l{l}` `[G·H]`, and the same with `_reverse`
/// for the reverse direction, all initialised `U(−1/√H, 1/√H)`.
///
/// ``forward(_:initialState:lengths:)`` takes an initial state and per-sequence lengths and returns the final
/// state; ``callAsFunction(_:)`` returns the output sequence alone, so that the layer can sit in a ``Sequential``.
/// Each layer and direction runs as one autodiff operation (all input projections as one matrix product, one
/// `h · W_hhᵀ` product and one fused gate pass per step, backpropagation through time in one backward pass).
public class RecurrentLayer: Module {
    /// The cell repeated at every step.
    public let kind: RecurrentCellKind
    /// Size of each step's input features.
    public let inputSize: Int
    /// Size of the hidden state `h` (and `c`).
    public let hiddenSize: Int
    /// Number of stacked layers.
    public let numLayers: Int
    /// Whether the layers have the biases `b_ih`, `b_hh`.
    public let hasBias: Bool
    /// Whether inputs and outputs are `[batch, T, features]` instead of `[T, batch, features]`.
    public let batchFirst: Bool
    /// Dropout probability on the outputs of every layer but the last, in training.
    public let dropout: Float
    /// Whether each layer also runs over the reversed sequence.
    public let bidirectional: Bool
    /// The source of the dropout masks.
    public let generator: RandomGenerator
    /// The weights and biases, in PyTorch's order and names.
    var weights: ParameterList
    /// What ``callAsFunction(_:)`` returns: the output sequence (the default) or the last layer's final `h`.
    public var callOutput: RecurrentOutput = defaultCallOutput

    /// PyTorch's default number of layers, 1.
    public static let defaultNumLayers = 1
    /// PyTorch's default `bias`, true.
    public static let defaultBias = true
    /// PyTorch's default `batch_first`, false.
    public static let defaultBatchFirst = false
    /// PyTorch's default inter-layer dropout, 0.
    public static let defaultDropout: Float = 0
    /// PyTorch's default `bidirectional`, false.
    public static let defaultBidirectional = false
    /// The default ``callOutput``, the output sequence (as PyTorch's `output`).
    public static let defaultCallOutput = RecurrentOutput.sequence

    /// A network of `numLayers` layers of `kind` cells, with weights drawn `U(−1/√hiddenSize, 1/√hiddenSize)`.
    public init(
        kind: RecurrentCellKind, inputSize: Int, hiddenSize: Int, numLayers: Int = defaultNumLayers,
        bias: Bool = defaultBias, batchFirst: Bool = defaultBatchFirst, dropout: Float = defaultDropout,
        bidirectional: Bool = defaultBidirectional, generator: RandomGenerator = .default
    ) {
        precondition(
            inputSize >= 1 && hiddenSize >= 1, "\(kind): sizes must be positive, got \(inputSize), \(hiddenSize)")
        precondition(numLayers >= 1, "\(kind): numLayers must be at least 1, got \(numLayers)")
        precondition(dropout >= 0 && dropout <= 1, "\(kind): dropout must be in [0, 1], got \(dropout)")
        self.kind = kind
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.hasBias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.generator = generator
        let gh = kind.gates * hiddenSize, bound = 1 / Float(hiddenSize).squareRoot()
        var entries: [(String, Tensor)] = []
        for layer in 0..<numLayers {
            let layerInput = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
            for suffix in bidirectional ? ["", "_reverse"] : [""] {
                var shapes = [("weight_ih", [gh, layerInput]), ("weight_hh", [gh, hiddenSize])]
                if bias { shapes += [("bias_ih", [gh]), ("bias_hh", [gh])] }
                for (name, shape) in shapes {
                    entries.append(
                        ("\(name)_l\(layer)\(suffix)", generator.uniform(shape, low: -bound, high: bound)))
                }
            }
        }
        weights = ParameterList(entries)
        super.init()
    }

    /// 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }

    /// From a zero state: the output sequence of ``forward(_:initialState:lengths:)``, or with ``callOutput``
    /// `.last` the last layer's final `h`, `[batch, directions · hiddenSize]` (`[directions · hiddenSize]` unbatched).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let (output, state) = forward(x)
        guard callOutput == .last else { return output }
        return lastLayerState(state.h)
    }

    /// Runs the network over `x` from `initialState` (zeros when `nil`).
    ///
    /// With `lengths` (one per sequence of the batch, each in `1…T`), sequence `b` is taken to be only its first
    /// `lengths[b]` steps (PyTorch's `pack_padded_sequence` with `enforce_sorted=False`, then `pad_packed_sequence`):
    /// its outputs at later steps are 0, its final state is the one after step `lengths[b] − 1` (the reverse
    /// direction starts there), and the padded steps receive no gradient and change none.
    /// - Returns: the output `[T, batch, directions · hiddenSize]` (batch first with ``batchFirst``) and the final
    ///   state, shaped as ``RecurrentState`` describes.
    public func forward(_ x: Tensor, initialState: RecurrentState? = nil, lengths: [Int]? = nil)
        -> (output: Tensor, state: RecurrentState)
    {
        checkInput(x)
        let unbatched = x.rank == 2
        let input = unbatched ? x.unsqueezed(1) : (batchFirst ? x.transposed(0, 1) : x)
        let (output, state) = run(
            input, steps: input.shape[0], batch: input.shape[1], firstProjection: nil, initialState: initialState,
            unbatched: unbatched, lengths: lengths)
        if unbatched { return (output.squeezed(1), state) }
        return (batchFirst ? output.transposed(0, 1) : output, state)
    }

    /// ``callAsFunction(_:)`` of `embedding(indices)`, with the first layer's input projections looked up rather than
    /// multiplied: `x_t · W_ihᵀ + b_ih` is row `k` of the table `E · W_ihᵀ + b_ih` when `x_t` is row `k` of `E`, so
    /// one `[numEmbeddings, in] · W_ihᵀ` product replaces the `[T·batch, in]` one (and likewise in backward). Same
    /// values and gradients up to rounding. Used by ``FusionPlan`` for an ``Embedding`` without padding index
    /// followed by a batch-first recurrent layer, on batched `indices` `[batch, T]`.
    func callAsFunction(indices: Tensor, embedding: Embedding) -> Tensor {
        guard indices.rank == 2, batchFirst, embedding.paddingIndex == nil, embedding.embeddingDim == inputSize else {
            return self(embedding(indices))
        }
        let batch = indices.shape[0], steps = indices.shape[1]
        let flat = embedding.indices(of: indices)
        var timeMajor = [Int](repeating: 0, count: flat.count)
        for b in 0..<batch { for t in 0..<steps { timeMajor[t * batch + b] = flat[b * steps + t] } }
        embedding.prepare(timeMajor)
        let table = embedding.weight
        let (output, state) = run(
            nil, steps: steps, batch: batch,
            firstProjection: { w, b in
                Tensor.embedding(timeMajor, shape: [steps, batch], weight: table.linear(weight: w, bias: b))
            }, initialState: nil, unbatched: false, lengths: nil)
        guard callOutput == .last else { return output.transposed(0, 1) }
        return lastLayerState(state.h)
    }

    /// The layers over a time-major `input` `[T, batch, inputSize]`, or over the first layer's input projections
    /// `firstProjection(W_ih, b_ih)` `[T, batch, G·H]` when given; the output stays time-major (and batched).
    private func run(
        _ input: Tensor?, steps: Int, batch: Int, firstProjection: ((Tensor, Tensor?) -> Tensor)?,
        initialState: RecurrentState?, unbatched: Bool, lengths: [Int]?
    ) -> (Tensor, RecurrentState) {
        var input = input
        let stateShape = [numLayers * directions, batch, hiddenSize]
        var h0 = initialState?.h, c0 = initialState?.c
        if unbatched {
            h0 = h0.map { $0.unsqueezed(1) }
            c0 = c0.map { $0.unsqueezed(1) }
        }
        if let h0 { precondition(h0.shape == stateShape, "\(typeName): initial h \(h0.shape), expected \(stateShape)") }
        if let c0 { precondition(c0.shape == stateShape, "\(typeName): initial c \(c0.shape), expected \(stateShape)") }
        precondition(kind.hasCellState || c0 == nil, "\(typeName): only LSTM has a cell state")
        if let lengths {
            precondition(lengths.count == batch, "\(typeName): \(lengths.count) lengths for a batch of \(batch)")
            precondition(
                lengths.allSatisfy { $0 >= 1 && $0 <= steps }, "\(typeName): lengths \(lengths) must lie in 1…\(steps)")
        }
        let zero = Tensor.zeros([batch, hiddenSize])
        let perCell = hasBias ? 4 : 2, gh = kind.gates * hiddenSize
        var hs: [Tensor] = [], cs: [Tensor] = []
        for layer in 0..<numLayers {
            if layer > 0 && dropout > 0 && isTraining { input = input!.dropout(p: dropout, generator: generator) }
            var outputs: [Tensor] = []
            for direction in 0..<directions {
                let k = layer * directions + direction, base = k * perCell
                let bias = hasBias ? weights[base + 2] : nil
                let projected: Tensor
                if layer == 0, let firstProjection {
                    projected = firstProjection(weights[base], bias)
                } else {
                    let x = input!
                    projected = x.reshaped([steps * batch, x.shape[2]]).linear(weight: weights[base], bias: bias)
                        .reshaped([steps, batch, gh])
                }
                let r = Tensor.recurrence(
                    kind, projected: projected, h0: h0?[k] ?? zero, c0: kind.hasCellState ? (c0?[k] ?? zero) : nil,
                    weightHH: weights[base + 1], biasHH: hasBias ? weights[base + 3] : nil, lengths: lengths,
                    reverse: direction == 1)
                outputs.append(r.output)
                hs.append(r.h)
                if let c = r.c { cs.append(c) }
            }
            input = outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, axis: 2)
        }
        var h = Tensor.stack(hs, axis: 0)
        var c = cs.isEmpty ? nil : Tensor.stack(cs, axis: 0)
        if unbatched {
            h = h.squeezed(1)
            c = c?.squeezed(1)
        }
        return (input!, RecurrentState(h: h, c: c))
    }

    /// The last layer's final `h` of `h` `[layers · D, batch, H]` (or unbatched `[layers · D, H]`), both directions
    /// side by side: `[batch, D · H]` (or `[D · H]`).
    func lastLayerState(_ h: Tensor) -> Tensor {
        let top = h.slice(axis: 0, ((numLayers - 1) * directions)..<(numLayers * directions))
        if top.rank == 2 { return top.reshaped([directions * hiddenSize]) }
        return top.permuted([1, 0, 2]).reshaped([top.shape[1], directions * hiddenSize])
    }

    /// `[T, batch, directions · hiddenSize]` (or batch first, or unbatched `[T, directions · hiddenSize]`) for an
    /// input `[T, batch, inputSize]`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        let layout = batchFirst ? "[batch, T, \(inputSize)]" : "[T, batch, \(inputSize)]"
        guard inputShape.count == 2 || inputShape.count == 3, inputShape.last == inputSize,
            inputShape.dropLast().allSatisfy({ $0 >= 1 })
        else {
            throw shapeError(
                "expects input \(layout) or [T, \(inputSize)] (input_size = \(inputSize)), got \(inputShape)")
        }
        if callOutput == .last {
            return inputShape.count == 2
                ? [directions * hiddenSize] : [inputShape[batchFirst ? 0 : 1], directions * hiddenSize]
        }
        return Array(inputShape.dropLast()) + [directions * hiddenSize]
    }

    /// Throws a ``DescentError`` unless `lengths` has one entry per sequence of a batch of `batch` and each lies in
    /// `1…steps` (what ``forward(_:initialState:lengths:)`` requires).
    public func validate(lengths: [Int], batch: Int, steps: Int) throws {
        guard lengths.count == batch else {
            throw DescentError(.shape, typeName, "\(lengths.count) sequence lengths for a batch of \(batch)")
        }
        if let bad = lengths.first(where: { $0 < 1 || $0 > steps }) {
            throw DescentError(.shape, typeName, "sequence length \(bad) is outside 1…\(steps)")
        }
    }

    /// `input_size, hidden_size`, then the options that differ from PyTorch's defaults, as PyTorch prints them.
    public override var extraDescription: String {
        var parts = ["\(inputSize)", "\(hiddenSize)"]
        if numLayers != 1 { parts.append("num_layers=\(numLayers)") }
        if !hasBias { parts.append("bias=False") }
        if batchFirst { parts.append("batch_first=True") }
        if dropout != 0 { parts.append("dropout=\(dropout)") }
        if bidirectional { parts.append("bidirectional=True") }
        return parts.joined(separator: ", ")
    }
}

/// The nonlinearity of an Elman ``RNN``.
public enum RNNNonlinearity: String, Sendable, CaseIterable {
    /// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (PyTorch's default).
    case tanh
    /// `h' = max(W_ih x + b_ih + W_hh h + b_hh, 0)`.
    case relu
}

/// A multi-layer Elman RNN (PyTorch's `nn.RNN`): `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or ReLU) at every
/// step; see ``RecurrentLayer`` for the shapes, options and parameters.
public final class RNN: RecurrentLayer {
    /// `tanh` (PyTorch's default) or `relu`.
    public let nonlinearity: RNNNonlinearity

    /// An RNN with PyTorch's options and defaults.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = defaultNumLayers, nonlinearity: RNNNonlinearity = .tanh,
        bias: Bool = defaultBias, batchFirst: Bool = defaultBatchFirst, dropout: Float = defaultDropout,
        bidirectional: Bool = defaultBidirectional, generator: RandomGenerator = .default
    ) {
        self.nonlinearity = nonlinearity
        super.init(
            kind: nonlinearity == .tanh ? .rnnTanh : .rnnReLU, inputSize: inputSize, hiddenSize: hiddenSize,
            numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional,
            generator: generator)
    }
}

/// A multi-layer long short-term memory network (PyTorch's `nn.LSTM`), gates `i, f, g, o` stacked in that order:
/// `c' = σ(f)⊙c + σ(i)⊙tanh(g)`, `h' = σ(o)⊙tanh(c')`; see ``RecurrentCellKind/lstm`` and ``RecurrentLayer``.
public final class LSTM: RecurrentLayer {
    /// An LSTM with PyTorch's options and defaults.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = defaultNumLayers, bias: Bool = defaultBias,
        batchFirst: Bool = defaultBatchFirst, dropout: Float = defaultDropout,
        bidirectional: Bool = defaultBidirectional, generator: RandomGenerator = .default
    ) {
        super.init(
            kind: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

/// A multi-layer gated recurrent unit network (PyTorch's `nn.GRU`), gates `r, z, n` stacked in that order:
/// `n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))`, `h' = (1 − z)⊙n + z⊙h`; see ``RecurrentCellKind/gru`` and
/// ``RecurrentLayer``.
public final class GRU: RecurrentLayer {
    /// A GRU with PyTorch's options and defaults.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = defaultNumLayers, bias: Bool = defaultBias,
        batchFirst: Bool = defaultBatchFirst, dropout: Float = defaultDropout,
        bidirectional: Bool = defaultBidirectional, generator: RandomGenerator = .default
    ) {
        super.init(
            kind: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}
