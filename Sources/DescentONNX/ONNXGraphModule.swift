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
    }

    /// ONNX's elementwise Add, Sub, Mul and Div.
    enum BinaryOperator: String {
        case add = "Add", sub = "Sub", mul = "Mul", div = "Div"

        func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor {
            switch self {
            case .add: return a + b
            case .sub: return a - b
            case .mul: return a * b
            case .div: return a / b
            }
        }
    }

    /// An operand: a value computed by the graph (its index) or a constant.
    enum Operand {
        case value(Int)
        case constant(Tensor)
    }

    /// One step: the operation, its operands, and the index of the value it defines.
    struct Step {
        let name: String
        let operation: Operation
        let operands: [Operand]
        let output: Int
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
            let y: Tensor
            switch step.operation {
            case .layer(let m): y = m(operand(step.operands[0]))
            case .binary(let op): y = op(operand(step.operands[0]), operand(step.operands[1]))
            case .reshape(let target):
                let input = operand(step.operands[0])
                y = input.reshaped(Self.resolve(target, input: input.shape)!)
            }
            values[step.output] = y
        }
        return values[outputValue]!
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
            switch step.operation {
            case .layer(let m): shapes[step.output] = try childOutputShape(step.name, m, shape(step.operands[0]))
            case .binary(let op):
                let a = shape(step.operands[0]), b = shape(step.operands[1])
                guard let s = Shape.broadcast(a, b) else {
                    throw DescentError(
                        .shape, step.name, "\(op.rawValue) of shapes \(a) and \(b), which do not broadcast")
                }
                shapes[step.output] = s
            case .reshape(let target):
                let a = shape(step.operands[0])
                guard let s = Self.resolve(target, input: a) else {
                    throw DescentError(.shape, step.name, "cannot reshape \(a) to \(target)")
                }
                shapes[step.output] = s
            }
        }
        return shapes[outputValue]!
    }
}
