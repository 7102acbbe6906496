/// One step of a recurrent cell (the common part of PyTorch's `nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`): maps an
/// input `[batch, inputSize]` (or `[inputSize]`) and a state to the next state, with the formulas of
/// ``RecurrentCellKind``. Parameters `weight_ih` `[G·H, inputSize]`, `weight_hh` `[G·H, H]`, `bias_ih`, `bias_hh`
/// `[G·H]`, initialised `U(−1/√H, 1/√H)`.
public class RecurrentCell: Module {
    /// The cell's formulas.
    public let kind: RecurrentCellKind
    /// Size of the input features.
    public let inputSize: Int
    /// Size of the hidden state.
    public let hiddenSize: Int
    /// `W_ih`, `[G·hiddenSize, inputSize]`.
    @Parameter public var weightIH: Tensor
    /// `W_hh`, `[G·hiddenSize, hiddenSize]`.
    @Parameter public var weightHH: Tensor
    /// `b_ih`, `[G·hiddenSize]`, or `nil` without bias.
    @Parameter public var biasIH: Tensor?
    /// `b_hh`, `[G·hiddenSize]`, or `nil` without bias.
    @Parameter public var biasHH: Tensor?

    /// A cell of `kind` with weights drawn `U(−1/√hiddenSize, 1/√hiddenSize)` from `generator`.
    public init(
        kind: RecurrentCellKind, inputSize: Int, hiddenSize: Int, bias: Bool = RecurrentLayer.defaultBias,
        generator: RandomGenerator = .default
    ) {
        precondition(inputSize >= 1 && hiddenSize >= 1, "\(kind) cell: sizes must be positive")
        self.kind = kind
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let gh = kind.gates * hiddenSize, bound = 1 / Float(hiddenSize).squareRoot()
        weightIH = generator.uniform([gh, inputSize], low: -bound, high: bound)
        weightHH = generator.uniform([gh, hiddenSize], low: -bound, high: bound)
        biasIH = bias ? generator.uniform([gh], low: -bound, high: bound) : nil
        biasHH = bias ? generator.uniform([gh], low: -bound, high: bound) : nil
        super.init()
    }

    /// The next state from `x` and `state` (zeros when `nil`); `h` and `c` are `[batch, hiddenSize]` (`[hiddenSize]`
    /// for an unbatched `x`).
    public func forward(_ x: Tensor, state: RecurrentState? = nil) -> RecurrentState {
        checkInput(x)
        let unbatched = x.rank == 1
        let input = unbatched ? x.unsqueezed(0) : x
        let batch = input.shape[0]
        var h0 = state?.h ?? Tensor.zeros([batch, hiddenSize])
        var c0 = kind.hasCellState ? (state?.c ?? Tensor.zeros([batch, hiddenSize])) : nil
        if unbatched && state != nil {
            h0 = h0.unsqueezed(0)
            c0 = c0?.unsqueezed(0)
        }
        precondition(h0.shape == [batch, hiddenSize], "\(typeName): h \(h0.shape), expected [\(batch), \(hiddenSize)]")
        let r = Tensor.recurrentSequence(
            kind, x: input.unsqueezed(0), h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH,
            biasHH: biasHH, lengths: nil, reverse: false)
        return unbatched ? RecurrentState(h: r.h.squeezed(0), c: r.c?.squeezed(0)) : RecurrentState(h: r.h, c: r.c)
    }

    /// The next hidden state `h'` from `x` and a zero state.
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(x).h }

    /// `[batch, hiddenSize]` for an input `[batch, inputSize]` (`[hiddenSize]` for `[inputSize]`).
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1 || inputShape.count == 2, inputShape.last == inputSize, inputShape.first! >= 1
        else {
            throw shapeError("expects input [batch, \(inputSize)] or [\(inputSize)], got \(inputShape)")
        }
        return Array(inputShape.dropLast()) + [hiddenSize]
    }

    /// `input_size, hidden_size` and `bias=False` when without bias.
    public override var extraDescription: String {
        "\(inputSize), \(hiddenSize)" + (biasIH == nil ? ", bias=False" : "")
    }
}

/// PyTorch's `nn.RNNCell`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or ReLU).
public final class RNNCell: RecurrentCell {
    /// A cell with PyTorch's defaults (`tanh`, with bias).
    public init(
        _ inputSize: Int, _ hiddenSize: Int, bias: Bool = RecurrentLayer.defaultBias,
        nonlinearity: RNNNonlinearity = .tanh, generator: RandomGenerator = .default
    ) {
        super.init(
            kind: nonlinearity == .tanh ? .rnnTanh : .rnnReLU, inputSize: inputSize, hiddenSize: hiddenSize,
            bias: bias, generator: generator)
    }
}

/// PyTorch's `nn.LSTMCell`: gates `i, f, g, o`; `c' = f⊙c + i⊙g`, `h' = o⊙tanh(c')` (see ``RecurrentCellKind/lstm``).
public final class LSTMCell: RecurrentCell {
    /// A cell with PyTorch's defaults (with bias).
    public init(
        _ inputSize: Int, _ hiddenSize: Int, bias: Bool = RecurrentLayer.defaultBias,
        generator: RandomGenerator = .default
    ) {
        super.init(kind: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}

/// PyTorch's `nn.GRUCell`: gates `r, z, n`; `n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))`, `h' = (1 − z)⊙n + z⊙h`.
public final class GRUCell: RecurrentCell {
    /// A cell with PyTorch's defaults (with bias).
    public init(
        _ inputSize: Int, _ hiddenSize: Int, bias: Bool = RecurrentLayer.defaultBias,
        generator: RandomGenerator = .default
    ) {
        super.init(kind: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}
