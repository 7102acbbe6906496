import Descent
import Foundation
import SwiftProtobuf

/// A model read from an ONNX file, with what its metadata says about it.
public struct ONNXImportedModel {
    /// The model (in eval mode), taking `[batch] + inputShape` like the file's graph.
    public let model: ONNXGraphModule
    /// The shape of one input sample.
    public let inputShape: [Int]
    /// The shape of one output.
    public let outputShape: [Int]
    /// The class names of the `class_names` metadata entry (a JSON array), if any.
    public let classNames: [String]?
    /// All `metadata_props` entries, in file order.
    public let metadata: [(String, String)]
    /// The producer recorded in the file (`pytorch 2.5`, `Descent 1`).
    public let producer: String
}

/// Reads ONNX files into Descent modules (``ONNXGraphModule``) for the operators that ``Module/exportONNX(to:inputShape:options:)``
/// writes and their PyTorch forms: Conv, ConvTranspose, Gemm, MatMul, BatchNormalization, LayerNormalization,
/// MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Gelu, Softmax,
/// LogSoftmax, Dropout, Identity, Transpose, Add, Sub, Mul, Div, Max, Constant, Cast, Sign, ReduceSum, Gather (an
/// embedding; its padding row is not known, so it is trained like the others), LSTM, GRU and RNN (one
/// ``RecurrentLayer`` per node, with `sequence_lens` and initial states), and the shape operations of PyTorch's
/// recurrent exports: Shape, Gather at constant indices, Unsqueeze, Squeeze, Concat, ConstantOfShape, Expand and
/// Slice — folded into constants when their inputs are constants, evaluated on each batch otherwise (the shapes they
/// make are worked out at import on the nominal batch of 1). A text model's `[batch, sequence]` input may have a
/// symbolic time axis; ``ONNXImportedModel/inputShape`` is then `[1]`, and any length is read. Control flow (Loop,
/// If, Scan: a seq2seq export's greedy decoder) is refused, naming the node.
///
/// Every malformed file is a ``DescentError`` of kind `.file` with one line naming the file, the node where there
/// is one, and the reason: a file that is not a protobuf `ModelProto`, an opset older than 7, a graph with a
/// cycle, an input that no node, initialiser or graph input defines, an initialiser of a type other than float32
/// (int64 for shapes) or whose data does not fill its dimensions, an attribute of the wrong type, an operator
/// outside the list above, and shapes that do not fit.
public enum ONNXImport {
    /// The operators read.
    public static let supportedOperators = [
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "LayerNormalization", "MaxPool",
        "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh",
        "Gelu", "Softmax", "LogSoftmax", "Dropout", "Identity", "Transpose", "Add", "Sub", "Mul", "Div", "Max",
        "Constant", "Cast", "Sign", "ReduceSum", "Gather", "LSTM", "GRU", "RNN", "Shape", "Unsqueeze", "Squeeze",
        "Concat", "ConstantOfShape", "Expand", "Slice",
    ]

    /// The control-flow operators, whose subgraphs are not imported: a graph holding one is refused, naming it.
    public static let controlFlow: Set<String> = ["Loop", "If", "Scan"]

    /// Reads the ONNX file at `url`.
    ///
    /// - Throws: ``DescentError`` of kind `.file`, one line naming the file (and node) and the reason.
    public static func read(contentsOf url: URL) throws -> ONNXImportedModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DescentError(.file, url.path, "no such file")
        }
        guard !isFolder.boolValue else { throw DescentError(.file, url.path, "is a directory, not an ONNX file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DescentError(.file, url.path, "cannot be read: \((error as NSError).localizedDescription)")
        }
        return try read(data, source: url.path)
    }

    /// Reads the bytes of an ONNX file; `source` names it in errors.
    public static func read(_ data: Data, source: String) throws -> ONNXImportedModel {
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw DescentError(.file, source, "not an ONNX model (protobuf: \(error))")
        }
        do {
            var reader = ONNXReader(proto: proto)
            let imported = try reader.read()
            // The shapes were worked out for a batch of 1 (and sequences of 1 step); a graph whose shapes only fit
            // those (a batch axis squeezed, batch and time axes mixed up) would fail on other inputs: it is read
            // again for a batch of 2 and sequences of 3 steps, and refused if that fails.
            var again = ONNXReader(proto: proto, nominalBatch: 2, nominalSteps: 3)
            do { _ = try again.read() } catch let e as ONNXReader.Failure {
                throw ONNXReader.Failure(node: e.node, reason: "with a batch of 2 (sequences of 3): \(e.reason)")
            } catch let e as DescentError where e.kind == .shape {
                throw DescentError(
                    .file, "\(source): node '\(e.location)'", "with a batch of 2 (sequences of 3): \(e.reason)")
            }
            return imported
        } catch let e as ONNXReader.Failure {
            throw DescentError(.file, e.node.map { "\(source): node '\($0)'" } ?? source, e.reason)
        } catch let e as DescentError where e.kind == .shape {
            throw DescentError(.file, "\(source): node '\(e.location)'", e.reason)
        }
    }
}

/// Builds an ``ONNXGraphModule`` from a parsed `ModelProto`.
struct ONNXReader {
    /// A reason to refuse the file, at a node or the whole graph.
    struct Failure: Error {
        let node: String?
        let reason: String
    }

    let proto: Onnx_ModelProto
    /// Float tensors of the initialisers and Constant nodes.
    private var constants: [String: Tensor] = [:]
    /// Int64 tensors (Reshape shapes, axes, indices), with their shapes.
    private var integerConstants: [String: [Int]] = [:]
    private var integerShapes: [String: [Int]] = [:]
    /// The values at the nominal input (batch 1) of the computed values that are shapes or small index tensors
    /// (from ONNX Shape and what is computed from it and constants), for the shapes that depend on them.
    private var nominal: [Int: Tensor] = [:]
    /// Value indices of computed values; 0 is the graph input.
    private var valueIndex: [String: Int] = [:]
    private var shapes: [[Int]] = []
    private var steps: [ONNXGraphModule.Step] = []
    private var children: [(String, Module)] = []
    private var childNames: Set<String> = []

    /// The batch size and a text model's sequence length of the nominal input whose shapes are worked out.
    let nominalBatch: Int, nominalSteps: Int

    init(proto: Onnx_ModelProto, nominalBatch: Int = 1, nominalSteps: Int = 1) {
        self.proto = proto
        (self.nominalBatch, self.nominalSteps) = (nominalBatch, nominalSteps)
    }

    mutating func read() throws -> ONNXImportedModel {
        let graph = proto.graph
        if let opset = proto.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }),
            opset.version < 7
        {
            throw Failure(node: nil, reason: "opset \(opset.version) is older than 7, the oldest read")
        }
        guard proto.hasGraph, !graph.node.isEmpty else { throw Failure(node: nil, reason: "the graph has no nodes") }
        // Control flow runs subgraphs, which a graph of layers has no form for: refused by name before anything.
        if let (i, node) = graph.node.enumerated().first(where: { ONNXImport.controlFlow.contains($0.element.opType) })
        {
            throw Failure(
                node: name(node, i),
                reason:
                    "operator '\(node.opType)' runs a subgraph (control flow, as a seq2seq export's greedy decoding "
                    + "loop), which is not imported; the graph must be straight-line")
        }
        for t in graph.initializer { try addInitializer(t) }
        let inputs = graph.input.filter { constants[$0.name] == nil && integerConstants[$0.name] == nil }
        guard inputs.count == 1 else {
            throw Failure(
                node: nil,
                reason:
                    "expected one graph input besides the initialisers, found \(inputs.count) (\(inputs.map(\.name)))")
        }
        let inputShape = try sampleShape(inputs[0])
        valueIndex[inputs[0].name] = 0
        var timeIsSymbolic = false
        if case .tensorType(let t)? = inputs[0].type.value, t.shape.dim.count == 2,
            case .dimParam? = t.shape.dim[1].value
        {
            timeIsSymbolic = true
        }
        shapes = [[nominalBatch] + (timeIsSymbolic ? [nominalSteps] : inputShape)]
        guard graph.output.count == 1 else {
            throw Failure(node: nil, reason: "expected one graph output, found \(graph.output.count)")
        }
        for node in try topologicalOrder(graph.node) { try add(node) }
        guard let out = valueIndex[graph.output[0].name] else {
            throw Failure(
                node: nil, reason: "the graph output '\(graph.output[0].name)' is not computed from the input")
        }
        let model = ONNXGraphModule(
            steps: steps, outputValue: out, valueCount: shapes.count, children: children, inputShape: inputShape)
        model.eval()
        let metadata = proto.metadataProps.map { ($0.key, $0.value) }
        var classNames: [String]?
        if let json = metadata.first(where: { $0.0 == ONNXNames.classNames })?.1 {
            guard let names = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] else {
                throw Failure(node: nil, reason: "metadata class_names is not a JSON array of strings")
            }
            classNames = names
        }
        return ONNXImportedModel(
            model: model, inputShape: inputShape, outputShape: Array(shapes[out].dropFirst()),
            classNames: classNames, metadata: metadata,
            producer: [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " "))
    }

    /// The static sample shape of the graph input `[batch, …]` (the batch dimension may be symbolic).
    func sampleShape(_ info: Onnx_ValueInfoProto) throws -> [Int] {
        guard case .tensorType(let t)? = info.type.value else {
            throw Failure(node: nil, reason: "the graph input '\(info.name)' is not a tensor")
        }
        guard t.elemType == Onnx_TensorProto.DataType.float.rawValue else {
            throw Failure(
                node: nil, reason: "the graph input '\(info.name)' has element type \(t.elemType), not float32")
        }
        let dims = t.shape.dim
        guard dims.count >= 2 else {
            throw Failure(node: nil, reason: "the graph input '\(info.name)' needs a batch and a sample dimension")
        }
        // `[batch, sequence]` token indices (a text model): the time axis may be symbolic too; it is given the
        // nominal length 1 (the model reads any length).
        if dims.count == 2, case .dimParam? = dims[1].value { return [1] }
        let shape = try dims.dropFirst().map { d in
            guard case .dimValue(let v)? = d.value, v >= 1, v <= 1 << 24 else {
                throw Failure(
                    node: nil, reason: "the graph input '\(info.name)' has a dimension that is not a fixed size: \(d)")
            }
            return Int(v)
        }
        guard shape.reduce(1.0, { $0 * Double($1) }) <= Double(1 << 28) else {
            throw Failure(node: nil, reason: "the graph input '\(info.name)' has samples of \(shape), too large")
        }
        return shape
    }

    /// Stores an initialiser (float32 as a tensor, int64 as integers), checking its type and size.
    mutating func addInitializer(_ t: Onnx_TensorProto, node: String? = nil) throws {
        let what = "initialiser '\(t.name)'"
        var count = 1
        for d in t.dims {
            guard d >= 0, d <= Int64(Int32.max) else { throw Failure(node: node, reason: "\(what) has dimension \(d)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= 1 << 31 else { throw Failure(node: node, reason: "\(what) is too large") }
            count = product
        }
        guard t.dataLocation != .external else {
            throw Failure(node: node, reason: "\(what) is stored in an external file, which is not read")
        }
        switch t.dataType {
        case Int32(Onnx_TensorProto.DataType.float.rawValue):
            let values = t.hasRawData ? ONNXTensorData.floats(littleEndian: t.rawData) : t.floatData
            guard values.count == count, !t.hasRawData || t.rawData.count == count * 4 else {
                throw Failure(
                    node: node, reason: "\(what) holds \(values.count) values for dimensions \(t.dims) (\(count))")
            }
            constants[t.name] = Tensor(values, shape: t.dims.map { Int($0) })
        case Int32(Onnx_TensorProto.DataType.int64.rawValue):
            var values = t.int64Data
            if t.hasRawData {
                guard t.rawData.count == count * 8 else {
                    throw Failure(
                        node: node, reason: "\(what) holds \(t.rawData.count) bytes for \(count) int64 values")
                }
                values = t.rawData.withUnsafeBytes { raw in
                    (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
                }
            }
            guard values.count == count else {
                throw Failure(node: node, reason: "\(what) holds \(values.count) values for dimensions \(t.dims)")
            }
            // PyTorch writes INT64_MAX for an open-ended Slice; every value is clamped into ±2³¹, past any size.
            integerConstants[t.name] = values.map { Int(Swift.max(Swift.min($0, 1 << 31), -(1 << 31))) }
            integerShapes[t.name] = t.dims.map { Int($0) }
        default:
            let type = Onnx_TensorProto.DataType(rawValue: Int(t.dataType)).map { "\($0)" } ?? "\(t.dataType)"
            throw Failure(node: node, reason: "\(what) has data type \(type); float32 (and int64 shapes) are read")
        }
    }

    /// The nodes in an order where each comes after the nodes whose outputs it reads (ONNX requires the file's
    /// order to be one; it is kept when it is). A cycle, or an input that nothing defines, is refused.
    func topologicalOrder(_ nodes: [Onnx_NodeProto]) throws -> [Onnx_NodeProto] {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.output where !output.isEmpty {
                guard producer.updateValue(i, forKey: output) == nil else {
                    throw Failure(node: name(node, i), reason: "output '\(output)' is also made by another node")
                }
            }
        }
        let available = Set(valueIndex.keys).union(constants.keys).union(integerConstants.keys)
            .union(proto.graph.input.map(\.name))
        var state = [Int](repeating: 0, count: nodes.count)  // 0 new, 1 on the path, 2 done
        var order: [Onnx_NodeProto] = []
        func visit(_ i: Int) throws {
            if state[i] == 2 { return }
            guard state[i] == 0 else {
                throw Failure(node: name(nodes[i], i), reason: "the graph has a cycle through this node")
            }
            state[i] = 1
            for input in nodes[i].input where !input.isEmpty {
                if let p = producer[input] {
                    try visit(p)
                } else if !available.contains(input) {
                    throw Failure(
                        node: name(nodes[i], i),
                        reason: "input '\(input)' is missing: no initialiser, graph input or node output has this name")
                }
            }
            state[i] = 2
            order.append(nodes[i])
        }
        for i in nodes.indices { try visit(i) }
        return order
    }

    func name(_ node: Onnx_NodeProto, _ index: Int) -> String {
        node.name.isEmpty ? "#\(index) \(node.opType)" : node.name
    }

    // MARK: Attributes

    func attribute(_ node: Onnx_NodeProto, _ key: String) -> Onnx_AttributeProto? {
        node.attribute.first { $0.name == key }
    }

    func int(_ node: Onnx_NodeProto, _ key: String, _ fallback: Int) throws -> Int {
        guard let a = attribute(node, key) else { return fallback }
        guard a.type == .int || (a.type == .undefined && a.hasI), let v = Int(exactly: a.i), abs(v) <= 1 << 24 else {
            throw Failure(node: node.name, reason: "attribute \(key) must be an integer, got \(a.type)")
        }
        return v
    }

    func float(_ node: Onnx_NodeProto, _ key: String, _ fallback: Float) throws -> Float {
        guard let a = attribute(node, key) else { return fallback }
        guard a.type == .float || (a.type == .undefined && a.hasF), a.f.isFinite else {
            throw Failure(node: node.name, reason: "attribute \(key) must be a finite float, got \(a.type)")
        }
        return a.f
    }

    func ints(_ node: Onnx_NodeProto, _ key: String) throws -> [Int]? {
        guard let a = attribute(node, key) else { return nil }
        guard a.type == .ints || (a.type == .undefined && !a.ints.isEmpty) else {
            throw Failure(node: node.name, reason: "attribute \(key) must be a list of integers, got \(a.type)")
        }
        return try a.ints.map { v in
            guard let i = Int(exactly: v), abs(i) <= 1 << 24 else {
                throw Failure(node: node.name, reason: "attribute \(key) holds \(v)")
            }
            return i
        }
    }

    /// A pair from a 2-D attribute (`kernel_shape`, `strides`, `dilations`), `fallback` when absent.
    func pair(_ node: Onnx_NodeProto, _ key: String, _ fallback: Size2D, atLeast minimum: Int = 1) throws -> Size2D {
        guard let v = try ints(node, key) else { return fallback }
        guard v.count == 2, v.allSatisfy({ $0 >= minimum }) else {
            throw Failure(node: node.name, reason: "attribute \(key) must be 2 values ≥ \(minimum) (2-D), got \(v)")
        }
        return Size2D(v[0], v[1])
    }

    /// Symmetric 2-D `pads` (`[top, left, bottom, right]` with top = bottom and left = right); `auto_pad` other than
    /// NOTSET is refused.
    func padding(_ node: Onnx_NodeProto) throws -> Size2D {
        if let a = attribute(node, "auto_pad"), String(decoding: a.s, as: UTF8.self) != "NOTSET" {
            throw Failure(node: node.name, reason: "auto_pad \(String(decoding: a.s, as: UTF8.self)) is not supported")
        }
        guard let p = try ints(node, "pads") else { return 0 }
        guard p.count == 4, p[0] == p[2], p[1] == p[3], p.allSatisfy({ $0 >= 0 }) else {
            throw Failure(node: node.name, reason: "pads \(p): only symmetric 2-D padding is supported")
        }
        return Size2D(p[0], p[1])
    }

    // MARK: Nodes

    /// The operand named `input` of `node`.
    func operand(_ node: Onnx_NodeProto, _ input: String) throws -> ONNXGraphModule.Operand {
        if let i = valueIndex[input] { return .value(i) }
        if let t = constants[input] { return .constant(t) }
        throw Failure(node: node.name, reason: "input '\(input)' is not a float tensor")
    }

    /// The float constant `node.input[i]` (a weight), of rank `rank` when given.
    func weight(_ node: Onnx_NodeProto, _ i: Int, rank: Int? = nil, optional: Bool = false) throws -> Tensor? {
        guard i < node.input.count, !node.input[i].isEmpty else {
            if optional { return nil }
            throw Failure(node: node.name, reason: "needs input \(i)")
        }
        guard let t = constants[node.input[i]] else {
            throw Failure(node: node.name, reason: "input '\(node.input[i])' must be an initialiser (a weight)")
        }
        if let rank, t.rank != rank {
            throw Failure(
                node: node.name, reason: "weight '\(node.input[i])' has shape \(t.shape), expected rank \(rank)")
        }
        guard t.shape.allSatisfy({ $0 >= 1 }) else {
            throw Failure(node: node.name, reason: "weight '\(node.input[i])' has an empty dimension: \(t.shape)")
        }
        return t
    }

    /// The child name of a layer: the common prefix of its weights' names (`features.0` of `features.0.weight`),
    /// else the node's name; made unique.
    mutating func childName(_ node: Onnx_NodeProto) -> String {
        let weights = node.input.filter { constants[$0] != nil }
        var base = node.name.isEmpty ? node.opType : node.name
        if let first = weights.first, let dot = first.lastIndex(of: ".") {
            let prefix = String(first[..<dot])
            if !prefix.isEmpty && weights.allSatisfy({ $0.hasPrefix(prefix + ".") }) { base = prefix }
        }
        var name = base, i = 0
        while childNames.contains(name) {
            i += 1
            name = "\(base)_\(i)"
        }
        childNames.insert(name)
        return name
    }

    /// Records a step computing `node.output[0]` (and, for a recurrent node, its other outputs); the shapes are
    /// checked now.
    mutating func record(
        _ node: Onnx_NodeProto, _ operation: ONNXGraphModule.Operation, _ operands: [ONNXGraphModule.Operand]
    ) throws {
        guard let output = node.output.first, !output.isEmpty else {
            throw Failure(node: node.name, reason: "has no output")
        }
        let name = node.name.isEmpty ? node.opType : node.name
        let inputs = operands.map { o -> [Int] in
            switch o {
            case .value(let i): return shapes[i]
            case .constant(let t): return t.shape
            }
        }
        let known = knownInputs(node, operation, operands)
        let outShapes = try checkedShapes(node, operation, inputs, known)
        switch operation {
        case .layer(let m): children.append((childName(node), m))
        case .recurrent(let m, _): children.append((childName(node), m))
        default: break
        }
        var outputs: [Int] = []
        for (i, shape) in outShapes.enumerated() {  // a slot for every output, named or left out
            if i < node.output.count, !node.output[i].isEmpty { valueIndex[node.output[i]] = shapes.count }
            outputs.append(shapes.count)
            shapes.append(shape)
        }
        steps.append(ONNXGraphModule.Step(name: name, operation: operation, operands: operands, outputs: outputs))
        if let known, outShapes.allSatisfy({ Shape.count($0) <= 1 << 12 }) {
            for (i, t) in zip(outputs, ONNXGraphModule.apply(operation, known)) { nominal[i] = t }
        }
    }

    /// The operands' values at the nominal input, for an operation on shapes whose operands are all known then
    /// (constants, or values computed from shapes and constants); `nil` otherwise.
    func knownInputs(
        _ node: Onnx_NodeProto, _ operation: ONNXGraphModule.Operation, _ operands: [ONNXGraphModule.Operand]
    ) -> [Tensor]? {
        ONNXGraphModule.knownInputs(operation, operands, shape: { shapes[$0] }, known: { nominal[$0] })
    }

    /// The shapes of the outputs of `operation` on inputs of `inputs` (values `known` at the nominal input where
    /// they are), or the reason, naming the node, why it cannot run.
    func checkedShapes(
        _ node: Onnx_NodeProto, _ operation: ONNXGraphModule.Operation, _ inputs: [[Int]], _ known: [Tensor]?
    ) throws -> [[Int]] {
        let name = node.name.isEmpty ? node.opType : node.name
        switch ONNXGraphModule.shapes(operation, inputs, known: known) {
        case .success(let s): return s
        case .failure(let e):
            if case .layer = operation { throw Failure(node: name, reason: e.reason) }
            throw Failure(node: name, reason: "\(e.location) \(e.reason)")
        }
    }

    /// Records a shape operation, or folds it into a constant when every operand is one (an int64 constant when
    /// `integer`).
    mutating func shapeOperation(
        _ node: Onnx_NodeProto, _ operation: ONNXGraphModule.Operation, _ operands: [ONNXGraphModule.Operand],
        integer: Bool
    ) throws {
        let constants = operands.compactMap { o -> Tensor? in
            if case .constant(let t) = o { return t }
            return nil
        }
        guard constants.count == operands.count, let output = node.output.first, !output.isEmpty else {
            return try record(node, operation, operands)
        }
        _ = try checkedShapes(node, operation, constants.map(\.shape), constants)
        let t = ONNXGraphModule.apply(operation, constants)[0]
        if integer {
            integerConstants[output] = t.scalars.map { Int($0) }
            integerShapes[output] = t.shape
        } else {
            self.constants[output] = t
        }
    }

    /// The operand named `input` of `node`: a computed value, a float constant or an int64 constant (as float
    /// values).
    func anyOperand(_ node: Onnx_NodeProto, _ input: String) throws -> ONNXGraphModule.Operand {
        if let values = integerConstants[input], let shape = integerShapes[input] {
            return .constant(Tensor(values.map(Float.init), shape: shape))
        }
        return try operand(node, input)
    }

    /// The int64 constant `node.input[i]` (axes, starts, indices), `nil` when the input is left out.
    func integerInput(_ node: Onnx_NodeProto, _ i: Int, _ what: String) throws -> [Int]? {
        guard i < node.input.count, !node.input[i].isEmpty else { return nil }
        guard let values = integerConstants[node.input[i]] else {
            throw Failure(node: node.name, reason: "\(node.opType) needs constant int64 \(what)")
        }
        return values
    }

    /// The rank of the operand named `input`.
    func rank(_ node: Onnx_NodeProto, _ input: String) throws -> Int {
        switch try anyOperand(node, input) {
        case .value(let i): return shapes[i].count
        case .constant(let t): return t.rank
        }
    }

    /// Whether every input of `node` is an int64 constant (folded, its result is one too).
    func isInteger(_ node: Onnx_NodeProto) -> Bool {
        node.input.filter { !$0.isEmpty }.allSatisfy { integerConstants[$0] != nil }
    }

    /// The axes of `Unsqueeze`, `Squeeze` (input 1 since opset 13, attribute before), made non-negative for an
    /// input of rank `rank` (for the output's rank when `added`, as Unsqueeze counts them), sorted; `nil` when none
    /// are given.
    func axes(_ node: Onnx_NodeProto, rank: Int, added: Bool) throws -> [Int]? {
        guard let given = try integerInput(node, 1, "axes") ?? (try ints(node, "axes")) else { return nil }
        let rank = added ? rank + given.count : rank  // Unsqueeze's axes are the output's
        let axes = given.map { $0 < 0 ? $0 + rank : $0 }.sorted()
        guard axes.allSatisfy({ (0..<rank).contains($0) }), Set(axes).count == axes.count else {
            throw Failure(node: node.name, reason: "axes \(given) of a rank-\(rank) value")
        }
        return axes
    }

    /// The node's first input, a value computed from the graph input.
    func firstValue(_ node: Onnx_NodeProto) throws -> ONNXGraphModule.Operand {
        guard let first = node.input.first, let i = valueIndex[first] else {
            throw Failure(node: node.name, reason: "its first input must be computed from the graph input")
        }
        return .value(i)
    }

    /// Records a step applying `m` to the node's first input.
    mutating func addLayer(_ node: Onnx_NodeProto, _ m: Module) throws {
        try record(node, .layer(m), [try firstValue(node)])
    }

    /// Adds the step(s) of one node.
    mutating func add(_ node: Onnx_NodeProto) throws {
        func x() throws -> ONNXGraphModule.Operand { try firstValue(node) }
        switch node.opType {
        case "Constant":
            guard let a = attribute(node, "value"), a.type == .tensor || a.hasT, let output = node.output.first else {
                throw Failure(node: node.name, reason: "Constant needs a tensor attribute 'value'")
            }
            var t = a.t
            t.name = output
            try addInitializer(t, node: node.name)
        case "Identity", "Dropout":
            guard let first = node.input.first, let output = node.output.first else {
                throw Failure(node: node.name, reason: "\(node.opType) needs an input and an output")
            }
            if let i = valueIndex[first] {
                valueIndex[output] = i
            } else if let t = constants[first] {
                constants[output] = t
            } else {
                throw Failure(node: node.name, reason: "input '\(first)' is not a float tensor")
            }
        case "Transpose" where node.input.first.map { valueIndex[$0] != nil } ?? false:
            guard case .value(let i) = try x() else { return }
            let perm = try ints(node, "perm") ?? Array((0..<shapes[i].count).reversed())
            try record(node, .transpose(perm), [.value(i)])
        case "Transpose":
            guard let w = try weight(node, 0, rank: 2), let output = node.output.first else { return }
            let perm = try ints(node, "perm") ?? [1, 0]
            guard perm == [1, 0] else { throw Failure(node: node.name, reason: "perm \(perm) of a matrix") }
            constants[output] = w.transposed(0, 1)
        case "Conv":
            let w = try weight(node, 1, rank: 4)!
            let groups = try int(node, "group", 1)
            let kernel = try pair(node, "kernel_shape", Size2D(w.shape[2], w.shape[3]))
            guard kernel == Size2D(w.shape[2], w.shape[3]), groups >= 1, w.shape[0] % groups == 0 else {
                throw Failure(
                    node: node.name, reason: "weight \(w.shape) does not fit kernel \(kernel), group \(groups)")
            }
            let b = try weight(node, 2, rank: 1, optional: true)
            let conv = Conv2d(
                w.shape[1] * groups, w.shape[0], kernelSize: kernel, stride: try pair(node, "strides", 1),
                padding: try padding(node), dilation: try pair(node, "dilations", 1), groups: groups, bias: b != nil)
            try load(conv, weight: w, bias: b, node: node)
            try addLayer(node, conv)
        case "ConvTranspose":
            let w = try weight(node, 1, rank: 4)!
            let groups = try int(node, "group", 1)
            guard groups >= 1, w.shape[0] % groups == 0, try ints(node, "output_shape") == nil else {
                throw Failure(node: node.name, reason: "weight \(w.shape) with group \(groups), or output_shape given")
            }
            let b = try weight(node, 2, rank: 1, optional: true)
            let conv = ConvTranspose2d(
                w.shape[0], w.shape[1] * groups, kernelSize: Size2D(w.shape[2], w.shape[3]),
                stride: try pair(node, "strides", 1), padding: try padding(node),
                outputPadding: try pair(node, "output_padding", 0, atLeast: 0),
                dilation: try pair(node, "dilations", 1), groups: groups, bias: b != nil)
            try load(conv, weight: w, bias: b, node: node)
            try addLayer(node, conv)
        case "Gemm":
            guard try float(node, "alpha", 1) == 1, try float(node, "beta", 1) == 1, try int(node, "transA", 0) == 0
            else { throw Failure(node: node.name, reason: "Gemm with alpha, beta ≠ 1 or transA is not supported") }
            var w = try weight(node, 1, rank: 2)!
            if try int(node, "transB", 0) == 0 { w = w.transposed(0, 1) }
            let b = try weight(node, 2, optional: true)
            if let b, b.count != w.shape[0] && b.count != 1 {
                throw Failure(node: node.name, reason: "bias of shape \(b.shape) for \(w.shape[0]) outputs")
            }
            let linear = Linear(w.shape[1], w.shape[0], bias: b != nil)
            try load(
                linear, weight: w,
                bias: b.map { $0.count == 1 ? Tensor.full([w.shape[0]], $0.scalars[0]) : $0.reshaped([w.shape[0]]) },
                node: node)
            try addLayer(node, linear)
        case "MatMul":
            let w = try weight(node, 1, rank: 2)!
            let linear = Linear(w.shape[0], w.shape[1], bias: false)
            try load(linear, weight: w.transposed(0, 1), bias: nil, node: node)
            try addLayer(node, linear)
        case "BatchNormalization":
            guard node.output.count == 1 || node.output.dropFirst().allSatisfy(\.isEmpty) else {
                throw Failure(node: node.name, reason: "BatchNormalization in training form (running outputs)")
            }
            let scale = try weight(node, 1, rank: 1)!, bias = try weight(node, 2, rank: 1)!
            let mean = try weight(node, 3, rank: 1)!, variance = try weight(node, 4, rank: 1)!
            let c = scale.count
            guard [bias, mean, variance].allSatisfy({ $0.count == c }) else {
                throw Failure(node: node.name, reason: "scale, bias, mean and variance differ in size")
            }
            guard case .value(let i) = try x() else { return }
            let eps = try float(node, "epsilon", 1e-5), momentum = 1 - (try float(node, "momentum", 0.9))
            let bn: BatchNorm =
                shapes[i].count == 4
                ? BatchNorm2d(c, eps: eps, momentum: momentum) : BatchNorm1d(c, eps: eps, momentum: momentum)
            bn.weight!.assignInPlace(scale)
            bn.bias!.assignInPlace(bias)
            bn.runningMean!.assignInPlace(mean)
            bn.runningVar!.assignInPlace(variance)
            try addLayer(node, bn)
        case "LayerNormalization":
            guard case .value(let i) = try x() else { return }
            let rank = shapes[i].count
            var axis = try int(node, "axis", -1)
            if axis < 0 { axis += rank }
            guard axis >= 1, axis < rank else { throw Failure(node: node.name, reason: "axis out of range") }
            let normalized = Array(shapes[i][axis...])
            let scale = try weight(node, 1)!, bias = try weight(node, 2, optional: true)
            guard scale.shape == normalized, bias.map({ $0.shape == normalized }) ?? true else {
                throw Failure(
                    node: node.name, reason: "scale \(scale.shape) does not fit the normalised shape \(normalized)")
            }
            let ln = LayerNorm(normalized, eps: try float(node, "epsilon", 1e-5), bias: bias != nil)
            ln.weight!.assignInPlace(scale)
            if let bias { ln.bias!.assignInPlace(bias) }
            try addLayer(node, ln)
        case "MaxPool":
            guard node.output.count == 1 else { throw Failure(node: node.name, reason: "MaxPool with indices output") }
            let kernel = try pair(node, "kernel_shape", 0)
            guard kernel.height >= 1 else { throw Failure(node: node.name, reason: "needs kernel_shape") }
            try addLayer(
                node,
                MaxPool2d(
                    kernelSize: kernel, stride: try pair(node, "strides", 1), padding: try padding(node),
                    dilation: try pair(node, "dilations", 1), ceilMode: try int(node, "ceil_mode", 0) == 1))
        case "AveragePool":
            let kernel = try pair(node, "kernel_shape", 0)
            guard kernel.height >= 1 else { throw Failure(node: node.name, reason: "needs kernel_shape") }
            try addLayer(
                node,
                AvgPool2d(
                    kernelSize: kernel, stride: try pair(node, "strides", 1), padding: try padding(node),
                    ceilMode: try int(node, "ceil_mode", 0) == 1,
                    countIncludePad: try int(node, "count_include_pad", 0) == 1))
        case "GlobalAveragePool": try addLayer(node, AdaptiveAvgPool2d(outputSize: 1))
        case "Flatten":
            guard case .value(let i) = try x() else { return }
            guard try int(node, "axis", 1) == 1 else {
                throw Failure(node: node.name, reason: "Flatten with an axis other than 1 merges the batch dimension")
            }
            if shapes[i].count == 2, let output = node.output.first, !output.isEmpty {
                valueIndex[output] = i
            } else {
                try addLayer(node, Flatten())
            }
        case "Reshape":
            guard node.input.count == 2, let target = integerConstants[node.input[1]] else {
                throw Failure(node: node.name, reason: "Reshape needs a constant int64 shape")
            }
            try record(node, .reshape(target), [try x()])
        case "Gelu":
            let mode = attribute(node, "approximate").map { String(decoding: $0.s, as: UTF8.self) } ?? "none"
            guard let approximate = GELUApproximation(rawValue: mode) else {
                throw Failure(node: node.name, reason: "Gelu approximate '\(mode)' (none or tanh)")
            }
            try addLayer(node, GELU(approximate: approximate))
        case "Relu": try addLayer(node, ReLU())
        case "Sigmoid": try addLayer(node, Sigmoid())
        case "Tanh": try addLayer(node, Tanh())
        case "LeakyRelu": try addLayer(node, LeakyReLU(negativeSlope: try float(node, "alpha", 0.01)))
        case "Elu": try addLayer(node, ELU(alpha: try float(node, "alpha", 1)))
        case "Softmax", "LogSoftmax":
            guard case .value(let i) = try x() else { return }
            let axis = try int(node, "axis", -1)
            guard axis >= -shapes[i].count, axis < shapes[i].count else {
                throw Failure(node: node.name, reason: "axis \(axis) out of range")
            }
            try addLayer(node, node.opType == "Softmax" ? Softmax(dim: axis) : LogSoftmax(dim: axis))
        case "Cast":
            let to = try int(node, "to", 0)
            let op: ONNXGraphModule.UnaryOperator
            switch to {
            case 1, 10, 11, 16: op = .identity  // float types: the values stay float32
            case 2, 3, 4, 5, 6, 7, 12, 13: op = .truncate  // integer types
            case 9: op = .nonZero  // bool
            default: throw Failure(node: node.name, reason: "Cast to element type \(to) is not supported")
            }
            try unary(node, op)
        case "Sign": try unary(node, .sign)
        case "ReduceSum":
            guard case .value(let i) = try x() else { return }
            let rank = shapes[i].count
            var axes: [Int]
            if node.input.count > 1, !node.input[1].isEmpty {
                guard let given = integerConstants[node.input[1]] else {
                    throw Failure(node: node.name, reason: "ReduceSum needs constant int64 axes")
                }
                axes = given
            } else {
                axes = try ints(node, "axes") ?? []
            }
            if axes.isEmpty {
                guard try int(node, "noop_with_empty_axes", 0) == 0 else {
                    throw Failure(node: node.name, reason: "ReduceSum with noop_with_empty_axes")
                }
                axes = Array(0..<rank)
            }
            axes = axes.map { $0 < 0 ? $0 + rank : $0 }
            guard axes.allSatisfy({ (0..<rank).contains($0) }), Set(axes).count == axes.count else {
                throw Failure(node: node.name, reason: "axes \(axes) of a rank-\(rank) value")
            }
            try record(node, .reduceSum(axes: axes, keepDims: try int(node, "keepdims", 1) == 1), [.value(i)])
        case "Gather":
            let axis = try int(node, "axis", 0)
            if node.input.count == 2, axis == 0, let table = constants[node.input[0]], table.rank == 2,
                let i = valueIndex[node.input[1]]
            {
                let embedding = Embedding(table.shape[0], table.shape[1])
                embedding.weight.assignInPlace(table)
                return try record(node, .layer(embedding), [.value(i)])
            }
            guard node.input.count == 2, let indices = integerConstants[node.input[1]],
                let indexShape = integerShapes[node.input[1]]
            else {
                throw Failure(
                    node: node.name,
                    reason: "Gather reads rows of a constant matrix at computed indices, or a value at constant indices"
                )
            }
            let r = try rank(node, node.input[0])
            guard axis >= -r, axis < r else {
                throw Failure(node: node.name, reason: "axis \(axis) of a rank-\(r) value")
            }
            try shapeOperation(
                node, .gather(axis: axis < 0 ? axis + r : axis, indices: indices, indexShape: indexShape),
                [try anyOperand(node, node.input[0])], integer: isInteger(node))
        case "Shape":
            guard let first = node.input.first else { throw Failure(node: node.name, reason: "Shape needs an input") }
            let end = attribute(node, "end") == nil ? nil : try int(node, "end", 0)
            try shapeOperation(
                node, .shape(start: try int(node, "start", 0), end: end), [try anyOperand(node, first)], integer: true)
        case "Unsqueeze", "Squeeze":
            guard let first = node.input.first else { throw Failure(node: node.name, reason: "needs an input") }
            let unsqueeze = node.opType == "Unsqueeze", r = try rank(node, first)
            guard let axes = try axes(node, rank: r, added: unsqueeze) else {
                throw Failure(
                    node: node.name,
                    reason: "\(node.opType) without axes is not supported (which axes have size 1 depends on the batch)"
                )
            }
            try shapeOperation(
                node, unsqueeze ? .unsqueeze(axes) : .squeeze(axes), [try anyOperand(node, first)],
                integer: isInteger(node))
        case "Concat":
            let inputs = node.input.filter { !$0.isEmpty }
            guard let first = inputs.first, attribute(node, "axis") != nil else {
                throw Failure(node: node.name, reason: "Concat needs inputs and an axis")
            }
            let r = try rank(node, first), axis = try int(node, "axis", 0)
            guard axis >= -r, axis < r else {
                throw Failure(node: node.name, reason: "axis \(axis) of a rank-\(r) value")
            }
            try shapeOperation(
                node, .concat(axis: axis < 0 ? axis + r : axis), try inputs.map { try anyOperand(node, $0) },
                integer: isInteger(node))
        case "ConstantOfShape":
            guard let first = node.input.first, let output = node.output.first else {
                throw Failure(node: node.name, reason: "ConstantOfShape needs an input and an output")
            }
            var value: Float = 0, integer = false
            if let a = attribute(node, "value") {
                guard a.type == .tensor || a.hasT else {
                    throw Failure(node: node.name, reason: "attribute value must be a tensor, got \(a.type)")
                }
                var t = a.t
                t.name = "\(output) value"
                try addInitializer(t, node: node.name)
                if let v = constants[t.name], v.count == 1 {
                    value = v.scalars[0]
                } else if let v = integerConstants[t.name], v.count == 1 {
                    (value, integer) = (Float(v[0]), true)
                } else {
                    throw Failure(node: node.name, reason: "attribute value must hold one value")
                }
            }
            try shapeOperation(node, .constantOfShape(value), [try anyOperand(node, first)], integer: integer)
        case "Expand":
            guard node.input.count == 2 else { throw Failure(node: node.name, reason: "Expand needs two inputs") }
            try shapeOperation(
                node, .expand, [try anyOperand(node, node.input[0]), try anyOperand(node, node.input[1])],
                integer: isInteger(node))
        case "Slice":
            guard let first = node.input.first, let starts = try integerInput(node, 1, "starts"),
                let ends = try integerInput(node, 2, "ends")
            else { throw Failure(node: node.name, reason: "Slice needs constant int64 starts and ends (opset 10 on)") }
            let r = try rank(node, first)
            let given = try integerInput(node, 3, "axes") ?? Array(0..<starts.count)
            if let steps = try integerInput(node, 4, "steps"), steps.contains(where: { $0 != 1 }) {
                throw Failure(node: node.name, reason: "Slice with steps \(steps) is not supported (step 1 only)")
            }
            let axes = given.map { $0 < 0 ? $0 + r : $0 }
            guard starts.count == ends.count, axes.count == starts.count, Set(axes).count == axes.count,
                axes.allSatisfy({ (0..<r).contains($0) })
            else {
                throw Failure(
                    node: node.name, reason: "starts \(starts), ends \(ends), axes \(given) of a rank-\(r) value")
            }
            try shapeOperation(
                node, .slice(starts: starts, ends: ends, axes: axes), [try anyOperand(node, first)],
                integer: isInteger(node))
        case "LSTM", "GRU", "RNN":
            try addRecurrent(node)
        case "Max" where node.input.count == 2:
            let a = try operand(node, node.input[0]), b = try operand(node, node.input[1])
            try record(node, .binary(.max), [a, b])
        case "Add", "Sub", "Mul", "Div":
            guard node.input.count == 2 else { throw Failure(node: node.name, reason: "needs two inputs") }
            let a = try operand(node, node.input[0]), b = try operand(node, node.input[1])
            if case .constant = a, case .constant = b {
                throw Failure(node: node.name, reason: "\(node.opType) of two constants is not folded")
            }
            try record(node, .binary(ONNXGraphModule.BinaryOperator(rawValue: node.opType)!), [a, b])
        default:
            throw Failure(
                node: node.name.isEmpty ? node.opType : node.name,
                reason:
                    "operator '\(node.opType)'\(node.domain.isEmpty ? "" : " of domain \(node.domain)") is not supported (supported: \(ONNXImport.supportedOperators.joined(separator: ", ")))"
            )
        }
    }

    /// Records an elementwise function of the node's first input (folded at once when that is a constant).
    mutating func unary(_ node: Onnx_NodeProto, _ op: ONNXGraphModule.UnaryOperator) throws {
        guard let first = node.input.first, let output = node.output.first else {
            throw Failure(node: node.name, reason: "\(node.opType) needs an input and an output")
        }
        if let t = constants[first] {
            constants[output] = op(t)
        } else {
            try record(node, .unary(op), [try firstValue(node)])
        }
    }

    /// An ONNX `LSTM`, `GRU` (with `linear_before_reset = 1`, PyTorch's form) or `RNN` (tanh or ReLU) node with
    /// layout 0, default activations, with or without initial states, as a one-layer ``RecurrentLayer``: ONNX's gate blocks
    /// (LSTM `i, o, f, c`; GRU `z, r, h`) are put back in PyTorch's order and `B` split into `b_ih`, `b_hh`.
    mutating func addRecurrent(_ node: Onnx_NodeProto) throws {
        let fail = { (reason: String) in Failure(node: node.name.isEmpty ? node.opType : node.name, reason: reason) }
        let hidden = try int(node, "hidden_size", 0)
        let direction = attribute(node, "direction").map { String(decoding: $0.s, as: UTF8.self) } ?? "forward"
        guard direction == "forward" || direction == "bidirectional" else {
            throw fail("direction '\(direction)' is not supported (forward or bidirectional)")
        }
        guard try int(node, "layout", 0) == 0 else { throw fail("layout 1 (batch first) is not supported") }
        guard attribute(node, "clip") == nil, try int(node, "input_forget", 0) == 0 else {
            throw fail("clip and input_forget are not supported")
        }
        guard node.input.count <= 7 || node.input.dropFirst(7).allSatisfy(\.isEmpty) else {
            throw fail("peepholes are not supported")
        }
        let initial = [5, 6].map { node.input.count > $0 && !node.input[$0].isEmpty }
        let d = direction == "bidirectional" ? 2 : 1
        let activations = try attribute(node, "activations").map {
            guard $0.type == .strings else { throw fail("activations must be strings") }
            return $0.strings.map { String(decoding: $0, as: UTF8.self).lowercased() }
        }
        let kind: RecurrentCellKind
        switch node.opType {
        case "LSTM":
            kind = .lstm
            guard
                activations == nil
                    || activations! == Array(repeating: ["sigmoid", "tanh", "tanh"], count: d).flatMap({ $0 })
            else { throw fail("activations other than Sigmoid, Tanh, Tanh are not supported") }
        case "GRU":
            kind = .gru
            guard try int(node, "linear_before_reset", 0) == 1 else {
                throw fail("GRU with linear_before_reset = 0 is not supported (PyTorch's GRU has 1)")
            }
            guard activations == nil || activations! == Array(repeating: ["sigmoid", "tanh"], count: d).flatMap({ $0 })
            else { throw fail("activations other than Sigmoid, Tanh are not supported") }
        default:
            let names = activations ?? Array(repeating: "tanh", count: d)
            guard names.count == d, Set(names).count == 1, names[0] == "tanh" || names[0] == "relu" else {
                throw fail("activations \(names) are not supported (Tanh or Relu, the same in both directions)")
            }
            kind = names[0] == "relu" ? .rnnReLU : .rnnTanh
        }
        let w = try weight(node, 1, rank: 3)!, r = try weight(node, 2, rank: 3)!
        let b = try weight(node, 3, rank: 2, optional: true)
        let rows = kind.gates * hidden, inputSize = w.shape[2]
        guard hidden >= 1, w.shape[0] == d, w.shape[1] == rows, r.shape == [d, rows, hidden],
            b.map({ $0.shape == [d, 2 * rows] }) ?? true
        else {
            throw fail(
                "weights W \(w.shape), R \(r.shape)\(b.map { ", B \($0.shape)" } ?? "") do not fit hidden_size "
                    + "\(hidden) and \(d) direction(s)")
        }
        let layer = RecurrentLayer(
            kind: kind, inputSize: inputSize, hiddenSize: hidden, bias: b != nil, bidirectional: d == 2)
        let order: [Int]
        switch kind {
        case .lstm: order = [0, 2, 3, 1]  // i, o, f, c → i, f, g, o
        case .gru: order = [1, 0, 2]  // z, r, h → r, z, n
        case .rnnTanh, .rnnReLU: order = [0]
        }
        func pytorch(_ values: ArraySlice<Float>, width: Int) -> [Float] {
            let block = hidden * width, start = values.startIndex
            return order.flatMap { values[(start + $0 * block)..<(start + ($0 + 1) * block)] }
        }
        var entries: [(String, Tensor)] = []
        let (ws, rs, bs) = (w.scalars, r.scalars, b?.scalars)
        for k in 0..<d {
            let suffix = k == 0 ? "_l0" : "_l0_reverse"
            let wk = ws[(k * rows * inputSize)..<((k + 1) * rows * inputSize)]
            let rk = rs[(k * rows * hidden)..<((k + 1) * rows * hidden)]
            entries.append(("weight_ih" + suffix, Tensor(pytorch(wk, width: inputSize), shape: [rows, inputSize])))
            entries.append(("weight_hh" + suffix, Tensor(pytorch(rk, width: hidden), shape: [rows, hidden])))
            if let bs {
                let bk = bs[(k * 2 * rows)..<((k + 1) * 2 * rows)]
                entries.append(("bias_ih" + suffix, Tensor(pytorch(bk.prefix(rows), width: 1), shape: [rows])))
                entries.append(("bias_hh" + suffix, Tensor(pytorch(bk.suffix(rows), width: 1), shape: [rows])))
            }
        }
        do { try layer.load(stateDict: entries, strict: true) } catch let e as DescentError { throw fail(e.reason) }
        var operands = [try firstValue(node)]
        let hasLengths = node.input.count > 4 && !node.input[4].isEmpty
        if hasLengths {
            guard let i = valueIndex[node.input[4]] else {
                throw fail("sequence_lens '\(node.input[4])' must be computed from the graph input")
            }
            operands.append(.value(i))
        }
        // Initial states [D, batch, H] (PyTorch builds zeros of the batch's size in the graph); an LSTM needs both.
        if kind == .lstm {
            guard initial[0] == initial[1] else {
                throw fail("an LSTM with only one of initial_h and initial_c is not supported")
            }
        } else if initial[1] {
            throw fail("input 6 (initial_c) is an LSTM's only")
        }
        if initial[0] {
            operands += try (kind == .lstm ? [5, 6] : [5]).map { try anyOperand(node, node.input[$0]) }
        }
        let given = ONNXGraphModule.RecurrentInputs(lengths: hasLengths, initialState: initial[0])
        try record(node, .recurrent(layer, given), operands)
    }

    /// Copies `weight` and `bias` into a layer whose parameters have those shapes.
    func load(_ m: Module, weight: Tensor, bias: Tensor?, node: Onnx_NodeProto) throws {
        var entries = [("weight", weight)]
        if let bias { entries.append(("bias", bias)) }
        do { try m.load(stateDict: entries, strict: true) } catch let e as DescentError {
            throw Failure(node: node.name, reason: e.reason)
        }
    }
}
