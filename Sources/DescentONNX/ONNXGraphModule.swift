import Descent

/// A model read from an ONNX file (``ONNXImport``): the graph's nodes in order, each a Descent layer or an
/// elementwise operation, evaluated on named values.
///
/// The layers with state (Conv2d, Linear, BatchNorm, LayerNorm, …) are the children, named by the common prefix of
/// their ONNX initialisers, so that a graph exported by Descent keeps its state-dict keys (`features.0.weight`,
/// `layers.1.bn2.running_var`) and a PyTorch export keeps PyTorch's. The module trains like any other: its
/// parameters are those children's, BatchNorm updates its statistics in training mode and Dropout drops.
public final class ONNXGraphModule: Module {
    /// One node of the graph.
    enum Operation {
        /// A layer applied to one value.
        case layer(Module)
        /// A binary elementwise operation on two values (broadcasting), one of which may be a constant.
        case binary(BinaryOperator)
        /// A reshape to a shape whose `0` entries copy the input's and whose `-1` entry is inferred (ONNX Reshape).
        case reshape([Int])
        /// An elementwise function of one value.
        case unary(UnaryOperator)
        /// ONNX ReduceSum over `axes` (non-negative), keeping them as size 1 or not.
        case reduceSum(axes: [Int], keepDims: Bool)
        /// ONNX Transpose: output axis `i` is input axis `perm[i]`.
        case transpose([Int])
        /// One ONNX LSTM, GRU or RNN node as a one-layer ``RecurrentLayer`` on `[T, batch, features]` (operands: the
        /// input, then the lengths if given), with ONNX's outputs `Y` `[T, D, batch, H]`, `Y_h` and (LSTM) `Y_c`
        /// `[D, batch, H]`.
        case recurrent(RecurrentLayer)
    }

    /// ONNX's elementwise functions of one value that Descent reads (`Cast` between float and integer types reads
    /// as truncation toward zero, `Cast` to bool as `x ≠ 0`; the values stay float32).
    enum UnaryOperator: String {
        case sign = "Sign", truncate = "Cast", nonZero = "CastBool", identity = "CastFloat"

        func callAsFunction(_ x: Tensor) -> Tensor {
            switch self {
            case .sign: return x.sign()
            case .truncate: return Tensor(x.scalars.map { $0.rounded(.towardZero) }, shape: x.shape)
            case .nonZero: return Tensor(x.scalars.map { $0 != 0 ? 1 : 0 }, shape: x.shape)
            case .identity: return x
            }
        }
    }

    /// ONNX's elementwise Add, Sub, Mul, Div and Max (of two inputs).
    enum BinaryOperator: String {
        case add = "Add", sub = "Sub", mul = "Mul", div = "Div", max = "Max"

        func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor {
            switch self {
            case .add: return a + b
            case .sub: return a - b
            case .mul: return a * b
            case .div: return a / b
            case .max: return Tensor.maximum(a, b)
            }
        }
    }

    /// An operand: a value computed by the graph (its index) or a constant.
    enum Operand {
        case value(Int)
        case constant(Tensor)
    }

    /// One step: the operation, its operands, and the indices of the values it defines (one, or a recurrent node's
    /// outputs).
    struct Step {
        let name: String
        let operation: Operation
        let operands: [Operand]
        let outputs: [Int]
    }

    let steps: [Step]
    let outputValue: Int
    let valueCount: Int
    private let children: [(String, Module)]

    /// The number of nodes evaluated (layers, elementwise operations and reshapes).
    public var nodeCount: Int { steps.count }

    /// The shape of one input sample (without the batch dimension).
    public let inputShape: [Int]

    init(steps: [Step], outputValue: Int, valueCount: Int, children: [(String, Module)], inputShape: [Int]) {
        self.steps = steps
        self.outputValue = outputValue
        self.valueCount = valueCount
        self.children = children
        self.inputShape = inputShape
        super.init()
    }

    /// The layers with state, named by their initialisers' common prefix.
    public override func namedChildren() -> [(String, Module)] { children }

    /// Runs the nodes in order on `x` (`[N] + inputShape`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var values = [Tensor?](repeating: nil, count: valueCount)
        values[0] = x
        func operand(_ o: Operand) -> Tensor {
            switch o {
            case .value(let i): return values[i]!
            case .constant(let t): return t
            }
        }
        for step in steps {
            let ys = Self.apply(step.operation, step.operands.map(operand))
            for (i, y) in zip(step.outputs, ys) { values[i] = y }
        }
        return values[outputValue]!
    }

    /// The values `operation` makes of `inputs`.
    static func apply(_ operation: Operation, _ inputs: [Tensor]) -> [Tensor] {
        switch operation {
        case .layer(let m): return [m(inputs[0])]
        case .binary(let op): return [op(inputs[0], inputs[1])]
        case .reshape(let target): return [inputs[0].reshaped(resolve(target, input: inputs[0].shape)!)]
        case .unary(let op): return [op(inputs[0])]
        case .reduceSum(let axes, let keepDims): return [inputs[0].sum(alongAxes: axes, keepingDims: keepDims)]
        case .transpose(let perm): return [inputs[0].permuted(perm)]
        case .recurrent(let layer):
            // ONNX Runtime refuses sequence_lens outside 1…T; here they are clamped into it (NaN reads as T).
            let steps = inputs[0].shape[0]
            let lengths = inputs.count > 1 ? inputs[1].scalars.map { Self.clampedLength($0, steps: steps) } : nil
            let (y, state) = layer.forward(inputs[0], lengths: lengths)
            let (batch, d, h) = (y.shape[1], layer.directions, layer.hiddenSize)
            return [y.reshaped([steps, batch, d, h]).permuted([0, 2, 1, 3]), state.h] + (state.c.map { [$0] } ?? [])
        }
    }

    /// A length read from a float value, clamped into `1…steps` (`steps` for NaN).
    static func clampedLength(_ value: Float, steps: Int) -> Int {
        guard !value.isNaN else { return steps }
        return Int(Swift.min(Swift.max(value, 1), Float(steps)))
    }

    /// The shapes `operation` makes of inputs of `shapes`, or the reason it cannot.
    static func shapes(_ operation: Operation, _ shapes: [[Int]]) -> Result<[[Int]], DescentError> {
        let a = shapes[0]
        switch operation {
        case .layer(let m):
            do { return .success([try m.outputShape(for: a)]) } catch let e as DescentError {
                return .failure(e)
            } catch { return .failure(DescentError(.shape, m.typeName, "\(error)")) }
        case .binary(let op):
            guard let s = Shape.broadcast(a, shapes[1]) else {
                return .failure(
                    DescentError(.shape, op.rawValue, "of shapes \(a) and \(shapes[1]), which do not broadcast"))
            }
            return .success([s])
        case .reshape(let target):
            guard let s = resolve(target, input: a) else {
                return .failure(DescentError(.shape, "Reshape", "cannot reshape \(a) to \(target)"))
            }
            return .success([s])
        case .unary: return .success([a])
        case .reduceSum(let axes, let keepDims):
            guard axes.allSatisfy({ $0 < a.count }) else {
                return .failure(DescentError(.shape, "ReduceSum", "axes \(axes) of a rank-\(a.count) value"))
            }
            return .success([
                keepDims
                    ? a.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                    : a.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            ])
        case .transpose(let perm):
            guard perm.sorted() == Array(0..<a.count) else {
                return .failure(DescentError(.shape, "Transpose", "perm \(perm) of a rank-\(a.count) value"))
            }
            return .success([perm.map { a[$0] }])
        case .recurrent(let layer):
            guard a.count == 3, a[2] == layer.inputSize else {
                return .failure(
                    DescentError(
                        .shape, "\(layer.typeName)",
                        "expects [T, batch, \(layer.inputSize)] inputs, got \(a)"))
            }
            if shapes.count > 1, shapes[1] != [a[1]] {
                return .failure(
                    DescentError(.shape, "\(layer.typeName)", "sequence_lens of shape \(shapes[1]) for batch \(a[1])"))
            }
            let d = layer.directions, h = layer.hiddenSize
            return .success([[a[0], d, a[1], h], [d, a[1], h]] + (layer.kind.hasCellState ? [[d, a[1], h]] : []))
        }
    }

    /// The shape ONNX Reshape makes of `input` for `target` (`0`: copy the input's dimension, `-1`: inferred),
    /// or `nil` when it does not fit.
    static func resolve(_ target: [Int], input: [Int]) -> [Int]? {
        var out = target
        for (i, d) in target.enumerated() where d == 0 {
            guard i < input.count else { return nil }
            out[i] = input[i]
        }
        let total = Shape.count(input)
        let inferred = out.indices.filter { out[$0] == -1 }
        guard inferred.count <= 1, out.allSatisfy({ $0 >= 0 || $0 == -1 }) else { return nil }
        if let i = inferred.first {
            let known = out.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, total % known == 0 else { return nil }
            out[i] = total / known
        }
        return Shape.count(out) == total ? out : nil
    }

    /// The output shape, from each step's layer or operation in turn; a step that does not fit is named.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        var shapes = [[Int]?](repeating: nil, count: valueCount)
        shapes[0] = inputShape
        func shape(_ o: Operand) -> [Int] {
            switch o {
            case .value(let i): return shapes[i]!
            case .constant(let t): return t.shape
            }
        }
        for step in steps {
            let inputs = step.operands.map(shape)
            if case .layer(let m) = step.operation {
                shapes[step.outputs[0]] = try childOutputShape(step.name, m, inputs[0])
                continue
            }
            switch Self.shapes(step.operation, inputs) {
            case .success(let outs): for (i, s) in zip(step.outputs, outs) { shapes[i] = s }
            case .failure(let e): throw DescentError(.shape, step.name, "\(e.location) \(e.reason)")
            }
        }
        return shapes[outputValue]!
    }
}
