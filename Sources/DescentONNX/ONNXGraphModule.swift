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
        /// input, then the lengths and the initial `h` (and `c`) `[D, batch, H]` where `inputs` says so), with
        /// ONNX's outputs `Y` `[T, D, batch, H]`, `Y_h` and (LSTM) `Y_c` `[D, batch, H]`.
        case recurrent(RecurrentLayer, RecurrentInputs)
        /// ONNX Shape: the dimensions `start..<end` of the input (as values).
        case shape(start: Int, end: Int?)
        /// ONNX Gather of constant `indices` (negative ones count from the end) shaped `indexShape` along `axis`.
        case gather(axis: Int, indices: [Int], indexShape: [Int])
        /// ONNX Unsqueeze: size-1 axes inserted at `axes` (non-negative, of the output, sorted).
        case unsqueeze([Int])
        /// ONNX Squeeze of the size-1 `axes` (non-negative, sorted).
        case squeeze([Int])
        /// ONNX Concat of every operand along `axis` (non-negative).
        case concat(axis: Int)
        /// ONNX ConstantOfShape: a tensor of `value` whose shape is the operand's values.
        case constantOfShape(Float)
        /// ONNX Expand: the first operand broadcast with the shape that the second holds.
        case expand
        /// ONNX Slice with constant `starts`, `ends` (clamped as ONNX does; negative ones count from the end) on
        /// `axes` (non-negative), step 1.
        case slice(starts: [Int], ends: [Int], axes: [Int])

        /// Whether the operation computes shapes and small index tensors, evaluated at import on the nominal input
        /// (batch 1) where its operands are known then, so that a shape it makes is known too.
        var isShapeArithmetic: Bool {
            switch self {
            case .shape, .gather, .unsqueeze, .squeeze, .concat, .constantOfShape, .expand, .slice, .unary, .binary:
                return true
            case .layer, .reshape, .reduceSum, .transpose, .recurrent: return false
            }
        }
    }

    /// Which optional inputs a recurrent node has besides the sequence.
    struct RecurrentInputs {
        /// `sequence_lens`.
        let lengths: Bool
        /// `initial_h` (and `initial_c` for an LSTM).
        let initialState: Bool
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
        case .recurrent(let layer, let given):
            // ONNX Runtime refuses sequence_lens outside 1…T; here they are clamped into it (NaN reads as T).
            let steps = inputs[0].shape[0]
            let lengths = given.lengths ? inputs[1].scalars.map { Self.clampedLength($0, steps: steps) } : nil
            let k = given.lengths ? 2 : 1
            let initial =
                given.initialState
                ? RecurrentState(h: inputs[k], c: layer.kind.hasCellState ? inputs[k + 1] : nil) : nil
            let (y, state) = layer.forward(inputs[0], initialState: initial, lengths: lengths)
            let (batch, d, h) = (y.shape[1], layer.directions, layer.hiddenSize)
            return [y.reshaped([steps, batch, d, h]).permuted([0, 2, 1, 3]), state.h] + (state.c.map { [$0] } ?? [])
        case .shape(let start, let end):
            let dims = inputs[0].shape, range = Self.shapeRange(start: start, end: end, rank: dims.count)
            return [Tensor(dims[range].map(Float.init), shape: [range.count])]
        case .gather(let axis, let indices, let indexShape):
            let x = inputs[0], n = x.shape[axis]
            let picked = x.indexSelect(axis: axis, indices.map { $0 < 0 ? $0 + n : $0 })
            return [picked.reshaped(Array(x.shape[..<axis]) + indexShape + Array(x.shape[(axis + 1)...]))]
        case .unsqueeze(let axes):
            var shape = inputs[0].shape
            for a in axes { shape.insert(1, at: a) }
            return [inputs[0].reshaped(shape)]
        case .squeeze(let axes):
            let shape = inputs[0].shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            return [inputs[0].reshaped(shape)]
        case .concat(let axis): return [Tensor.concatenate(inputs, axis: axis)]
        case .constantOfShape(let value): return [Tensor.full(inputs[0].scalars.map { Int($0) }, value)]
        case .expand:
            let target = Shape.broadcast(inputs[0].shape, inputs[1].scalars.map { Int($0) })!
            return [inputs[0].expanded(to: target)]
        case .slice(let starts, let ends, let axes):
            var x = inputs[0]
            for (a, (start, end)) in zip(axes, zip(starts, ends)) {
                x = x.slice(axis: a, Self.sliceRange(start: start, end: end, size: x.shape[a]))
            }
            return [x]
        }
    }

    /// The dimensions ONNX Shape keeps of a rank-`rank` value (`start` and `end` counted from the end when
    /// negative, clamped).
    static func shapeRange(start: Int, end: Int?, rank: Int) -> Range<Int> {
        let clamp = { (i: Int) in Swift.min(Swift.max(i < 0 ? i + rank : i, 0), rank) }
        let (a, b) = (clamp(start), clamp(end ?? rank))
        return a..<Swift.max(a, b)
    }

    /// The elements ONNX Slice keeps of an axis of `size` (step 1): negative bounds count from the end, then both
    /// are clamped into `0…size`.
    static func sliceRange(start: Int, end: Int, size: Int) -> Range<Int> {
        let clamp = { (i: Int) in Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
        let (a, b) = (clamp(start), clamp(end))
        return a..<Swift.max(a, b)
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
        case .recurrent(let layer, let given):
            guard a.count == 3, a[2] == layer.inputSize else {
                return .failure(
                    DescentError(
                        .shape, "\(layer.typeName)",
                        "expects [T, batch, \(layer.inputSize)] inputs, got \(a)"))
            }
            let d = layer.directions, h = layer.hiddenSize
            if given.lengths, shapes[1] != [a[1]] {
                return .failure(
                    DescentError(.shape, "\(layer.typeName)", "sequence_lens of shape \(shapes[1]) for batch \(a[1])"))
            }
            if given.initialState {
                for s in shapes.dropFirst(given.lengths ? 2 : 1) where s != [d, a[1], h] {
                    return .failure(
                        DescentError(
                            .shape, "\(layer.typeName)", "initial state of shape \(s), expected \([d, a[1], h])"))
                }
            }
            return .success([[a[0], d, a[1], h], [d, a[1], h]] + (layer.kind.hasCellState ? [[d, a[1], h]] : []))
        case .shape(let start, let end):
            return .success([[Self.shapeRange(start: start, end: end, rank: a.count).count]])
        case .gather(let axis, let indices, let indexShape):
            guard axis < a.count, indices.allSatisfy({ $0 >= -a[axis] && $0 < a[axis] }) else {
                return .failure(DescentError(.shape, "Gather", "indices \(indices) on axis \(axis) of \(a)"))
            }
            return .success([Array(a[..<axis]) + indexShape + Array(a[(axis + 1)...])])
        case .unsqueeze(let axes):
            var out = a
            for axis in axes {
                guard axis <= out.count else {
                    return .failure(DescentError(.shape, "Unsqueeze", "axes \(axes) of a rank-\(a.count) value"))
                }
                out.insert(1, at: axis)
            }
            return .success([out])
        case .squeeze(let axes):
            guard axes.allSatisfy({ $0 < a.count && a[$0] == 1 }) else {
                return .failure(DescentError(.shape, "Squeeze", "axes \(axes) of \(a) are not all of size 1"))
            }
            return .success([a.enumerated().filter { !axes.contains($0.offset) }.map(\.element)])
        case .concat(let axis):
            guard axis < a.count,
                shapes.allSatisfy({ s in
                    s.count == a.count && s.indices.allSatisfy { $0 == axis || s[$0] == a[$0] }
                })
            else { return .failure(DescentError(.shape, "Concat", "of \(shapes) along axis \(axis)")) }
            var out = a
            out[axis] = shapes.reduce(0) { $0 + $1[axis] }
            return .success([out])
        case .constantOfShape, .expand:
            return Self.shapes(operation, shapes, known: nil)  // the failure: they need values
        case .slice(let starts, let ends, let axes):
            var out = a
            for (axis, (start, end)) in zip(axes, zip(starts, ends)) {
                guard axis < a.count else {
                    return .failure(DescentError(.shape, "Slice", "axes \(axes) of a rank-\(a.count) value"))
                }
                out[axis] = Self.sliceRange(start: start, end: end, size: a[axis]).count
            }
            return .success([out])
        }
    }

    /// The operands' values at a nominal input, for an operation on shapes whose operands are all known then
    /// (constants, or values in `known` computed from shapes and constants; a Shape reads only its operand's
    /// `shape`); `nil` otherwise.
    static func knownInputs(
        _ operation: Operation, _ operands: [Operand], shape: (Int) -> [Int], known: (Int) -> Tensor?
    ) -> [Tensor]? {
        guard operation.isShapeArithmetic else { return nil }
        if case .shape = operation, case .value(let i) = operands[0] { return [Tensor.zeros(shape(i))] }
        var values: [Tensor] = []
        for o in operands {
            switch o {
            case .constant(let t): values.append(t)
            case .value(let i):
                guard let t = known(i) else { return nil }
                values.append(t)
            }
        }
        return values
    }

    /// The shapes `operation` makes of inputs of `shapes`, whose values are `known` where they were computed from
    /// shapes and constants (ConstantOfShape and Expand need them), or the reason it cannot.
    static func shapes(_ operation: Operation, _ shapes: [[Int]], known: [Tensor]?) -> Result<[[Int]], DescentError> {
        func dims(_ t: Tensor, _ op: String) -> Result<[Int], DescentError> {
            guard t.rank == 1, t.scalars.allSatisfy({ $0 >= 0 && $0 <= Float(1 << 24) && $0.rounded() == $0 }),
                t.scalars.reduce(1.0, { $0 * Double($1) }) <= Double(1 << 28)
            else {
                return .failure(DescentError(.shape, op, "shape \(t.scalars) is not a list of sizes (or too large)"))
            }
            return .success(t.scalars.map { Int($0) })
        }
        switch operation {
        case .constantOfShape:
            guard let known else {
                return .failure(
                    DescentError(.shape, "ConstantOfShape", "needs a shape computed from shapes and constants"))
            }
            return dims(known[0], "ConstantOfShape").map { [$0] }
        case .expand:
            guard let known else {
                return .failure(DescentError(.shape, "Expand", "needs a shape computed from shapes and constants"))
            }
            return dims(known[1], "Expand").flatMap { target in
                guard let out = Shape.broadcast(shapes[0], target) else {
                    return .failure(
                        DescentError(.shape, "Expand", "of \(shapes[0]) to \(target), which do not broadcast"))
                }
                return .success([out])
            }
        default:
            return Self.shapes(operation, shapes)
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
        var known: [Int: Tensor] = [:]  // the values of shapes and what is computed from them and constants
        for step in steps {
            let inputs = step.operands.map(shape)
            if case .layer(let m) = step.operation {
                shapes[step.outputs[0]] = try childOutputShape(step.name, m, inputs[0])
                continue
            }
            let values = Self.knownInputs(step.operation, step.operands, shape: { shapes[$0]! }, known: { known[$0] })
            switch Self.shapes(step.operation, inputs, known: values) {
            case .success(let outs):
                for (i, s) in zip(step.outputs, outs) { shapes[i] = s }
                if let values, outs.allSatisfy({ Shape.count($0) <= 1 << 12 }) {
                    for (i, t) in zip(step.outputs, Self.apply(step.operation, values)) { known[i] = t }
                }
            case .failure(let e): throw DescentError(.shape, step.name, "\(e.location) \(e.reason)")
            }
        }
        return shapes[outputValue]!
    }
}
