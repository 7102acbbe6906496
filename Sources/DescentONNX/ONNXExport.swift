import Descent
import Foundation
import SwiftProtobuf

/// What an ONNX file carries besides the layers: the input normalisation folded in as its first nodes, the class
/// names and other metadata.
public struct ONNXExportOptions: Sendable, Equatable {
    /// Per-channel means subtracted from the input before the first layer (`nil`: no normalisation).
    public var normalizeMean: [Float]?
    /// Per-channel standard deviations the centred input is divided by (one per mean).
    public var normalizeStd: [Float]?
    /// Class names, indexed by the model's outputs, written to the metadata as `class_names` (a JSON array).
    public var classNames: [String]?
    /// Further `metadata_props` entries (key, value), written in this order after `class_names`.
    public var metadata: [(String, String)]
    /// The graph's name.
    public var graphName: String
    /// The most tokens a ``Seq2Seq`` export decodes (its `Loop`'s trip count); other models ignore it.
    public var maxDecodingLength: Int

    /// Options; by default no normalisation, no class names and no further metadata.
    public init(
        normalizeMean: [Float]? = nil, normalizeStd: [Float]? = nil, classNames: [String]? = nil,
        metadata: [(String, String)] = [], graphName: String = "descent", maxDecodingLength: Int = 32
    ) {
        self.maxDecodingLength = maxDecodingLength
        self.normalizeMean = normalizeMean
        self.normalizeStd = normalizeStd
        self.classNames = classNames
        self.metadata = metadata
        self.graphName = graphName
    }

    /// Equal when every field is.
    public static func == (a: ONNXExportOptions, b: ONNXExportOptions) -> Bool {
        a.normalizeMean == b.normalizeMean && a.normalizeStd == b.normalizeStd && a.classNames == b.classNames
            && a.metadata.elementsEqual(b.metadata, by: { $0 == $1 }) && a.graphName == b.graphName
            && a.maxDecodingLength == b.maxDecodingLength
    }
}

/// The names of an exported model's input and output and of its dynamic batch dimension.
public enum ONNXNames {
    /// The graph input: `[batch] + inputShape`, float32, raw values (pixels scaled to [0, 1]).
    public static let input = "input"
    /// The graph output: `[batch, outputs]`, the model's raw outputs (logits for a classifier).
    public static let output = "output"
    /// The symbolic batch dimension of the input and the output.
    public static let batch = "batch"
    /// The symbolic time dimension of a text model's input `[batch, sequence]` (token indices as float32).
    public static let sequence = "sequence"
    /// The metadata key of the class names.
    public static let classNames = "class_names"
}

extension Module {
    /// Writes this model as an ONNX file (opset ``ONNXOpset/exported``, or ``ONNXOpset/gelu`` with a GELU) for inputs `[batch] + inputShape`, the
    /// batch dimension symbolic; see ``onnxData(inputShape:options:)``.
    ///
    /// - Throws: ``DescentError`` naming the layer when one has no ONNX form, or the file when it cannot be
    ///   written.
    public func exportONNX(to url: URL, inputShape: [Int], options: ONNXExportOptions = ONNXExportOptions()) throws {
        let data = try onnxData(inputShape: inputShape, options: options)
        try AtomicFile.write(data, to: url)
    }

    /// This model as the bytes of an ONNX `ModelProto`, evaluated as in eval mode: BatchNorm with its running
    /// statistics, Dropout as the identity. The normalisation of `options`, `(x − mean) · (1/std)` per channel
    /// (as `Normalize` computes it), comes first, so the model takes the raw inputs that `descent predict`
    /// reads.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` naming the layer (path and type) when it has no ONNX form,
    ///   and of kind `.shape` when `inputShape` does not fit the model.
    public func onnxData(inputShape: [Int], options: ONNXExportOptions = ONNXExportOptions()) throws -> Data {
        try ONNXExporter(inputShape: inputShape, options: options).model(self).serializedData()
    }
}

/// Walks a module tree and emits the ONNX nodes of each layer.
struct ONNXExporter {
    let inputShape: [Int]
    let options: ONNXExportOptions
    let graph = ONNXGraphBuilder()

    init(inputShape: [Int], options: ONNXExportOptions) {
        self.inputShape = inputShape
        self.options = options
    }

    /// The `ModelProto` of `module`.
    func model(_ module: Module) throws -> Onnx_ModelProto {
        if let seq2seq = module as? Seq2Seq { return try seq2seqModel(seq2seq, maxLength: options.maxDecodingLength) }
        let outputShape = try module.outputShape(for: [1] + inputShape)
        var x = ONNXNames.input
        if let mean = options.normalizeMean, let std = options.normalizeStd {
            x = try normalization(x, mean: mean, std: std)
        }
        let (y, _) = try emit(module, path: "", input: x, shape: [1] + inputShape)
        let last = graph.add("Identity", "output", inputs: [y])

        var g = Onnx_GraphProto()
        g.name = options.graphName
        g.node = graph.nodes
        for i in g.node.indices where g.node[i].output == [last] { g.node[i].output = [ONNXNames.output] }
        g.initializer = graph.initializers
        // A text model reads sequences of any length: its time axis is dynamic like the batch.
        g.input = [
            Self.valueInfo(ONNXNames.input, shape: inputShape, dynamicTime: Self.readsTokens(module))
        ]
        // A language model's logits follow its input's dynamic time axis: [batch, sequence, V].
        g.output = [
            Self.valueInfo(
                ONNXNames.output, shape: Array(outputShape.dropFirst()), dynamicTime: module is RNNLanguageModel)
        ]
        return try modelProto(g)
    }

    /// The model around graph `g`: IR version, producer, opset and metadata.
    func modelProto(_ g: Onnx_GraphProto) throws -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "Descent"
        m.producerVersion = "1"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = graph.opset
        m.opsetImport = [opset]
        m.graph = g
        var props: [(String, String)] = []
        if let names = options.classNames {
            let json = try JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes])
            props.append((ONNXNames.classNames, String(decoding: json, as: UTF8.self)))
        }
        props += options.metadata
        m.metadataProps = props.map { key, value in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = value
            return e
        }
        return m
    }

    /// Whether `module` reads token indices `[batch, sequence]` of any length (a text model).
    static func readsTokens(_ module: Module) -> Bool { module is SequenceClassifier || module is RNNLanguageModel }

    /// A float32 tensor value `[batch] + shape`; with `dynamicTime`, `shape`'s first axis is the dynamic
    /// ``ONNXNames/sequence``.
    static func valueInfo(_ name: String, shape: [Int], dynamicTime: Bool = false) -> Onnx_ValueInfoProto {
        var tensorShape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = ONNXNames.batch
        tensorShape.dim =
            [batch]
            + shape.enumerated().map { i, d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if dynamicTime && i == 0 { dim.dimParam = ONNXNames.sequence } else { dim.dimValue = Int64(d) }
                return dim
            }
        return valueInfo(name, type: .float, shape: tensorShape)
    }

    /// A dimension of ``valueInfo(_:type:dims:)``: a size or a symbol.
    enum Dimension {
        case size(Int)
        case symbol(String)
    }

    /// A tensor value of element type `type` and dimensions `dims` (`nil`: shape not given).
    static func valueInfo(_ name: String, type: Onnx_TensorProto.DataType, dims: [Dimension]?)
        -> Onnx_ValueInfoProto
    {
        var shape: Onnx_TensorShapeProto?
        if let dims {
            var s = Onnx_TensorShapeProto()
            s.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                switch d {
                case .size(let n): dim.dimValue = Int64(n)
                case .symbol(let name): dim.dimParam = name
                }
                return dim
            }
            shape = s
        }
        return valueInfo(name, type: type, shape: shape)
    }

    /// A tensor value of element type `type` and `shape` (`nil`: not given).
    static func valueInfo(_ name: String, type: Onnx_TensorProto.DataType, shape: Onnx_TensorShapeProto?)
        -> Onnx_ValueInfoProto
    {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.rawValue)
        if let shape { tensorType.shape = shape }
        var typeProto = Onnx_TypeProto()
        typeProto.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = typeProto
        return info
    }

    /// `Sub(mean)` then `Mul(1/std)` with constants of shape `[C, 1, …]` broadcasting over `[batch] + inputShape`.
    func normalization(_ x: String, mean: [Float], std: [Float]) throws -> String {
        let channels = inputShape.first ?? 1
        guard mean.count == std.count, mean.count == 1 || mean.count == channels else {
            throw DescentError(
                .shape, "normalisation",
                "\(mean.count) means and \(std.count) deviations do not fit inputs \(inputShape) (\(channels) channels)"
            )
        }
        let shape = mean.count == 1 ? [1] : [channels] + Array(repeating: 1, count: max(inputShape.count - 1, 0))
        let m = graph.initializer("normalize.mean", values: mean, shape: shape)
        let inv = graph.initializer("normalize.inverse_std", values: std.map { 1 / $0 }, shape: shape)
        let centred = graph.add("Sub", "normalize", inputs: [x, m])
        return graph.add("Mul", "normalize", inputs: [centred, inv])
    }

    /// Emits the nodes of `module` (state-dict prefix `path`) applied to the value `input` of shape `shape`
    /// (batch 1) and returns the output value and its shape.
    func emit(_ module: Module, path: String, input: String, shape: [Int]) throws -> (String, [Int]) {
        let out = try module.outputShape(for: shape)
        let key = { (name: String) in path.isEmpty ? name : "\(path).\(name)" }
        let unsupported = {
            DescentError(
                .argument, path.isEmpty ? module.typeName : "\(path) (\(module.typeName))",
                "has no ONNX export (supported: Sequential, Linear, Conv2d, ConvTranspose2d, BatchNorm1d/2d, LayerNorm, "
                    + "MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, Flatten, the activations, Softmax, LogSoftmax, "
                    + "BasicBlock, ResNet, SequenceClassifier, FrameSequenceClassifier, RNNLanguageModel)")
        }
        switch module {
        case let classifier as SequenceClassifier:
            return (try sequenceClassifier(classifier, path: path, key: key, ids: input), out)
        case let model as RNNLanguageModel:
            return (try languageModel(model, key: key, ids: input, shape: shape), out)
        case let classifier as FrameSequenceClassifier:
            return (frameSequenceClassifier(classifier, key: key, input: input, shape: shape), out)
        case let seq as Sequential:
            var x = input, s = shape
            for (name, child) in seq.namedChildren() { (x, s) = try emit(child, path: key(name), input: x, shape: s) }
            return (x, s)
        case let block as BasicBlock:
            var (y, s) = try emit(block.conv1, path: key("conv1"), input: input, shape: shape)
            (y, s) = try emit(block.bn1, path: key("bn1"), input: y, shape: s)
            y = graph.add("Relu", key("relu1"), inputs: [y])
            (y, s) = try emit(block.conv2, path: key("conv2"), input: y, shape: s)
            (y, s) = try emit(block.bn2, path: key("bn2"), input: y, shape: s)
            let (side, _) = try emit(block.shortcut, path: key("shortcut"), input: input, shape: shape)
            let sum = graph.add("Add", key("add"), inputs: [y, side])
            return (graph.add("Relu", key("relu2"), inputs: [sum]), out)
        case let net as ResNet:
            var (y, s) = try emit(net.conv1, path: key("conv1"), input: input, shape: shape)
            (y, s) = try emit(net.bn1, path: key("bn1"), input: y, shape: s)
            y = graph.add("Relu", key("relu"), inputs: [y])
            (y, s) = try emit(net.layers, path: key("layers"), input: y, shape: s)
            y = graph.add("GlobalAveragePool", key("pool"), inputs: [y])
            y = graph.add("Flatten", key("flatten"), inputs: [y], attributes: [ONNXAttribute.int("axis", 1)])
            return try emit(net.fc, path: key("fc"), input: y, shape: [s[0], s[1]])
        case let linear as Linear:
            let w = graph.initializer(key("weight"), linear.weight)
            let b = linear.bias.map { graph.initializer(key("bias"), $0) }
            if shape.count == 2 {
                let y = graph.add(
                    "Gemm", path, inputs: [input, w] + (b.map { [$0] } ?? []),
                    attributes: [ONNXAttribute.int("transB", 1)])
                return (y, out)
            }
            let wt = graph.add("Transpose", path, inputs: [w], attributes: [ONNXAttribute.ints("perm", [1, 0])])
            let y = graph.add("MatMul", path, inputs: [input, wt])
            return (b.map { graph.add("Add", path, inputs: [y, $0]) } ?? y, out)
        case let conv as Conv2d:
            let y = graph.add(
                "Conv", path, inputs: convolutionInputs(conv.weight, conv.bias, input: input, key: key),
                attributes: Self.convolutionAttributes(
                    kernel: conv.kernelSize, stride: conv.stride, padding: conv.padding, dilation: conv.dilation,
                    groups: conv.groups))
            return (y, out)
        case let conv as ConvTranspose2d:
            let y = graph.add(
                "ConvTranspose", path, inputs: convolutionInputs(conv.weight, conv.bias, input: input, key: key),
                attributes: Self.convolutionAttributes(
                    kernel: conv.kernelSize, stride: conv.stride, padding: conv.padding, dilation: conv.dilation,
                    groups: conv.groups)
                    + [ONNXAttribute.ints("output_padding", [conv.outputPadding.height, conv.outputPadding.width])])
            return (y, out)
        case let bn as BatchNorm:
            guard let mean = bn.runningMean, let variance = bn.runningVar else {
                throw DescentError(
                    .argument, "\(path) (\(module.typeName))",
                    "has no running statistics (track_running_stats=False): its eval form uses batch statistics, "
                        + "which ONNX BatchNormalization does not")
            }
            let c = bn.numFeatures
            let scale = graph.initializer(key("weight"), bn.weight ?? Tensor.ones([c]))
            let bias = graph.initializer(key("bias"), bn.bias ?? Tensor.zeros([c]))
            let m = graph.initializer(key("running_mean"), mean)
            let v = graph.initializer(key("running_var"), variance)
            let y = graph.add(
                "BatchNormalization", path, inputs: [input, scale, bias, m, v],
                attributes: [ONNXAttribute.float("epsilon", bn.eps)])
            return (y, out)
        case let ln as LayerNorm:
            let scale = graph.initializer(key("weight"), ln.weight ?? Tensor.ones(ln.normalizedShape))
            let bias = graph.initializer(key("bias"), ln.bias ?? Tensor.zeros(ln.normalizedShape))
            let y = graph.add(
                "LayerNormalization", path, inputs: [input, scale, bias],
                attributes: [
                    ONNXAttribute.int("axis", -ln.normalizedShape.count), ONNXAttribute.float("epsilon", ln.eps),
                ])
            return (y, out)
        case let pool as MaxPool2d:
            let y = graph.add(
                "MaxPool", path, inputs: [input],
                attributes: [
                    ONNXAttribute.ints("kernel_shape", [pool.kernelSize.height, pool.kernelSize.width]),
                    ONNXAttribute.ints("strides", [pool.stride.height, pool.stride.width]),
                    ONNXAttribute.ints(
                        "pads", [pool.padding.height, pool.padding.width, pool.padding.height, pool.padding.width]),
                    ONNXAttribute.ints("dilations", [pool.dilation.height, pool.dilation.width]),
                    ONNXAttribute.int("ceil_mode", pool.ceilMode ? 1 : 0),
                ])
            return (y, out)
        case let pool as AvgPool2d:
            guard pool.divisorOverride == nil else {
                throw DescentError(
                    .argument, "\(path) (AvgPool2d)", "divisor_override has no ONNX AveragePool equivalent")
            }
            let y = graph.add(
                "AveragePool", path, inputs: [input],
                attributes: [
                    ONNXAttribute.ints("kernel_shape", [pool.kernelSize.height, pool.kernelSize.width]),
                    ONNXAttribute.ints("strides", [pool.stride.height, pool.stride.width]),
                    ONNXAttribute.ints(
                        "pads", [pool.padding.height, pool.padding.width, pool.padding.height, pool.padding.width]),
                    ONNXAttribute.int("ceil_mode", pool.ceilMode ? 1 : 0),
                    ONNXAttribute.int("count_include_pad", pool.countIncludePad ? 1 : 0),
                ])
            return (y, out)
        case let pool as AdaptiveAvgPool2d:
            if pool.outputSize == 1 { return (graph.add("GlobalAveragePool", path, inputs: [input]), out) }
            let h = shape[shape.count - 2], w = shape[shape.count - 1]
            let oh = pool.outputSize.height, ow = pool.outputSize.width
            guard h % oh == 0, w % ow == 0 else {
                throw DescentError(
                    .argument, "\(path) (AdaptiveAvgPool2d)",
                    "output size \(oh)×\(ow) does not divide the input \(h)×\(w): no fixed ONNX AveragePool window")
            }
            let y = graph.add(
                "AveragePool", path, inputs: [input],
                attributes: [
                    ONNXAttribute.ints("kernel_shape", [h / oh, w / ow]),
                    ONNXAttribute.ints("strides", [h / oh, w / ow]),
                ])
            return (y, out)
        case is Dropout:
            return (input, out)
        case let flatten as Flatten:
            let r = shape.count
            let s = flatten.startDim < 0 ? flatten.startDim + r : flatten.startDim
            let e = flatten.endDim < 0 ? flatten.endDim + r : flatten.endDim
            if s == 1 && e == r - 1 {
                return (graph.add("Flatten", path, inputs: [input], attributes: [ONNXAttribute.int("axis", 1)]), out)
            }
            let target: [Int64] =
                s == 0 ? [-1] + out.dropFirst().map(Int64.init) : [0] + out.dropFirst().map(Int64.init)
            let shapeName = graph.int64Initializer(key("shape"), target)
            return (graph.add("Reshape", path, inputs: [input, shapeName]), out)
        case is ReLU: return (graph.add("Relu", path, inputs: [input]), out)
        case is Sigmoid: return (graph.add("Sigmoid", path, inputs: [input]), out)
        case is Tanh: return (graph.add("Tanh", path, inputs: [input]), out)
        case let a as LeakyReLU:
            let y = graph.add(
                "LeakyRelu", path, inputs: [input], attributes: [ONNXAttribute.float("alpha", a.negativeSlope)])
            return (y, out)
        case let a as ELU:
            return (graph.add("Elu", path, inputs: [input], attributes: [ONNXAttribute.float("alpha", a.alpha)]), out)
        case is SiLU:
            let s = graph.add("Sigmoid", path, inputs: [input])
            return (graph.add("Mul", path, inputs: [input, s]), out)
        case let a as GELU:
            return (gelu(input, path: path, tanh: a.approximate == .tanh), out)
        case let a as Softmax:
            return (graph.add("Softmax", path, inputs: [input], attributes: [ONNXAttribute.int("axis", a.dim)]), out)
        case let a as LogSoftmax:
            let y = graph.add("LogSoftmax", path, inputs: [input], attributes: [ONNXAttribute.int("axis", a.dim)])
            return (y, out)
        default:
            throw unsupported()
        }
    }

    /// The inputs of a `Conv`/`ConvTranspose` node: `input`, the weight and the bias (if any) as initialisers.
    func convolutionInputs(_ weight: Tensor, _ bias: Tensor?, input: String, key: (String) -> String) -> [String] {
        [input, graph.initializer(key("weight"), weight)] + (bias.map { [graph.initializer(key("bias"), $0)] } ?? [])
    }

    /// The attributes both convolutions share: kernel shape, strides, symmetric pads, dilations and groups.
    static func convolutionAttributes(
        kernel: Size2D, stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int
    ) -> [Onnx_AttributeProto] {
        [
            ONNXAttribute.ints("kernel_shape", [kernel.height, kernel.width]),
            ONNXAttribute.ints("strides", [stride.height, stride.width]),
            ONNXAttribute.ints("pads", [padding.height, padding.width, padding.height, padding.width]),
            ONNXAttribute.ints("dilations", [dilation.height, dilation.width]),
            ONNXAttribute.int("group", groups),
        ]
    }

    /// ONNX's `Gelu` (opset 20), with `approximate` "none" or "tanh"; it raises the model's opset to
    /// ``ONNXOpset/gelu``.
    func gelu(_ x: String, path: String, tanh: Bool) -> String {
        graph.opset = max(graph.opset, ONNXOpset.gelu)
        var a = Onnx_AttributeProto()
        a.name = "approximate"
        a.type = .string
        a.s = Data((tanh ? "tanh" : "none").utf8)
        return graph.add("Gelu", path, inputs: [x], attributes: [a])
    }
}
