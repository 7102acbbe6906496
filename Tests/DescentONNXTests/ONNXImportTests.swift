import Descent
import Foundation
import SwiftProtobuf
import Testing

@testable import DescentONNX

/// Importing ONNX files: a PyTorch export against PyTorch's outputs, and malformed files refused with one line.
@Suite struct ONNXImportTests {
    /// The fixture of `Tests/Fixtures/generate_onnx.py`.
    struct TorchFixture: Decodable {
        let torch: String
        let operators: [String]
        let inputShape: [Int]
        let input: [Float]
        let output: [Double]
    }

    static func fixtureURL(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    }

    @Test func aPyTorchExportGivesPyTorchsOutputs() throws {
        let fixture = try JSONDecoder().decode(
            TorchFixture.self, from: Data(contentsOf: try Self.fixtureURL("torch_net.json")))
        let imported = try ONNXImport.read(contentsOf: try Self.fixtureURL("torch_net.onnx"))
        #expect(imported.inputShape == Array(fixture.inputShape.dropFirst()))
        #expect(imported.outputShape == [5])
        #expect(imported.producer.hasPrefix("pytorch"))
        let x = Tensor(fixture.input, shape: fixture.inputShape)
        let y = withNoGrad { imported.model(x) }
        #expect(y.shape == [fixture.inputShape[0], 5])
        let scale = fixture.output.map(abs).max()!
        let diff = zip(y.scalars, fixture.output).map { abs(Double($0) - $1) }.max()!
        #expect(diff <= 1e-4 * scale, "max difference \(diff) from PyTorch (outputs up to \(scale))")
        // One sample at a time gives the same values: the batch dimension is free.
        let first = withNoGrad { imported.model(x[0..<1]) }
        #expect(zip(first.scalars, y.scalars.prefix(5)).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    /// PyTorch's export of an LSTM text classifier (`Tests/Fixtures/generate_onnx_lstm.py`): initial states built
    /// in the graph from the batch size (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice), the heads'
    /// inputs read with Concat and Gather.
    @Test func aPyTorchLSTMExportGivesPyTorchsOutputs() throws {
        let fixture = try JSONDecoder().decode(
            TorchFixture.self, from: Data(contentsOf: try Self.fixtureURL("torch_lstm.json")))
        #expect(
            Set(["Shape", "Gather", "Unsqueeze", "Concat", "ConstantOfShape", "Slice"]).isSubset(of: fixture.operators))
        let imported = try ONNXImport.read(contentsOf: try Self.fixtureURL("torch_lstm.onnx"))
        #expect(imported.inputShape == [1])  // token sequences of any length
        #expect(imported.outputShape == [4])
        let x = Tensor(fixture.input, shape: fixture.inputShape)
        let y = withNoGrad { imported.model(x) }
        #expect(y.shape == [fixture.inputShape[0], 4])
        let scale = fixture.output.map(abs).max()!
        let diff = zip(y.scalars, fixture.output).map { abs(Double($0) - $1) }.max()!
        #expect(diff <= 1e-4 * scale, "max difference \(diff) from PyTorch (outputs up to \(scale))")
        // The initial states follow the batch: one row alone, and the rows twice over, give the same rows.
        let first = withNoGrad { imported.model(x[0..<1]) }
        #expect(zip(first.scalars, y.scalars.prefix(4)).allSatisfy { abs($0 - $1) <= 1e-6 })
        let twice = withNoGrad { imported.model(Tensor.concatenate([x, x])) }
        #expect(zip(twice.scalars.suffix(y.count), y.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
        // Its LSTMs train: a step of SGD changes the outputs.
        let model = imported.model
        model.train()
        model.zeroGrad()
        model(x).sum().backward()
        SGD(model.parameters(), lr: 0.1).step()
        let moved = withNoGrad { model.eval()(x) }
        #expect(zip(moved.scalars, y.scalars).contains { abs($0 - $1) > 1e-4 })
    }

    /// Shape operations folded when their inputs are constants, evaluated with the batch otherwise, and refused in
    /// one line naming the node where they cannot be.
    @Test func shapeOperationsFoldOrFollowTheBatch() throws {
        var proto = try Onnx_ModelProto(
            serializedBytes: try Data(contentsOf: try Self.fixtureURL("torch_lstm.onnx")))
        let slice = proto.graph.node.firstIndex { $0.opType == "Slice" }!
        let name = proto.graph.node[slice].name
        var steps = Onnx_TensorProto()
        steps.name = "steps"
        steps.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        steps.dims = [1]
        steps.int64Data = [2]
        proto.graph.initializer.append(steps)
        proto.graph.node[slice].input.append("steps")
        #expect(
            Self.error(try proto.serializedData())
                == "bad.onnx: node '\(name)': Slice with steps [2] is not supported (step 1 only)")

        proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: try Self.fixtureURL("torch_lstm.onnx")))
        let unsqueeze = proto.graph.node.firstIndex { $0.opType == "Unsqueeze" }!
        proto.graph.node[unsqueeze].opType = "Squeeze"
        proto.graph.node[unsqueeze].input.removeLast()
        #expect(
            Self.error(try proto.serializedData())
                == "bad.onnx: node '\(proto.graph.node[unsqueeze].name)': Squeeze without axes is not supported (which axes have size 1 depends on the batch)"
        )

        // ConstantOfShape of a shape computed from a layer's output values (not its shape) is refused.
        proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: try Self.fixtureURL("torch_lstm.onnx")))
        let fill = proto.graph.node.firstIndex { $0.opType == "ConstantOfShape" }!
        proto.graph.node[fill].input[0] = proto.graph.node.first { $0.opType == "Cast" }!.output[0]
        #expect(
            Self.error(try proto.serializedData())
                == "bad.onnx: node '\(proto.graph.node[fill].name)': ConstantOfShape needs a shape computed from shapes and constants"
        )
    }

    /// A hand-made graph of every shape operation: `x + Expand([1, 2, 3], Concat(Shape(x)[0], 3))`, then
    /// Unsqueeze, Squeeze and a Reshape to a shape that Concat makes of two constants (folded at import).
    @Test func shapeOperationsRunWithAnyBatch() throws {
        func node(_ op: String, _ inputs: [String], _ output: String, axis: Int? = nil) -> Onnx_NodeProto {
            var n = Onnx_NodeProto()
            (n.opType, n.name, n.input, n.output) = (op, output, inputs, [output])
            if let axis { n.attribute = [ONNXAttribute.int("axis", axis)] }
            return n
        }
        func integers(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
            var t = Onnx_TensorProto()
            (t.name, t.dims, t.int64Data) = (name, [Int64(values.count)], values)
            t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            return t
        }
        var bias = Onnx_TensorProto()
        (bias.name, bias.dims, bias.floatData) = ("bias", [1, 3], [1, 2, 3])
        bias.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var proto = Onnx_ModelProto()
        proto.graph.initializer = [
            bias, integers("first", [0]), integers("three", [3]), integers("minus_one", [-1]), integers("axis1", [1]),
        ]
        proto.graph.node = [
            node("Shape", ["input"], "shape"), node("Gather", ["shape", "first"], "batch", axis: 0),
            node("Concat", ["batch", "three"], "size", axis: 0), node("Expand", ["bias", "size"], "expanded"),
            node("Add", ["input", "expanded"], "sum"), node("Unsqueeze", ["sum", "axis1"], "unsqueezed"),
            node("Squeeze", ["unsqueezed", "axis1"], "squeezed"),
            node("Concat", ["minus_one", "three"], "target", axis: 0),
            node("Reshape", ["squeezed", "target"], "output"),
        ]
        proto.graph.input = [ONNXExporter.valueInfo("input", shape: [3])]
        proto.graph.output = [ONNXExporter.valueInfo("output", shape: [3])]
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        proto.opsetImport = [opset]
        let imported = try ONNXImport.read(try proto.serializedData(), source: "shapes.onnx")
        #expect(imported.model.nodeCount == 8)  // the Concat of two constants is folded
        #expect(imported.outputShape == [3])
        #expect(try imported.model.outputShape(for: [4, 3]) == [4, 3])
        for batch in [1, 2, 5] {
            let x = RandomGenerator(seed: UInt64(batch)).uniform([batch, 3])
            let y = withNoGrad { imported.model(x) }
            #expect(y.shape == [batch, 3])
            #expect(zip(y.scalars, x.scalars).enumerated().allSatisfy { abs($1.0 - $1.1 - Float($0 % 3 + 1)) < 1e-6 })
        }
        // A graph whose shapes fit a batch of 1 only (its batch axis squeezed) is refused: it is read again for 2.
        proto.graph.node[6].input = ["sum", "first"]
        proto.graph.node[8].input = ["squeezed", "three"]
        #expect(
            Self.error(try proto.serializedData())
                == "bad.onnx: node 'squeezed': with a batch of 2 (sequences of 3): Squeeze axes [0] of [2, 3] are not all of size 1"
        )
    }

    @Test func anImportedModelTrains() throws {
        let model = try ONNXImport.read(contentsOf: try Self.fixtureURL("torch_net.onnx")).model
        #expect(model.parameters().count == 12)
        let x = RandomGenerator(seed: 3).uniform([4, 1, 12, 12])
        let firstClass = { withNoGrad { model.eval()(x) }.scalars.enumerated().filter { $0.offset % 5 == 0 } }
        let before = firstClass().map(\.element).reduce(0, +)
        let optimizer = SGD(model.parameters(), lr: 0.05)
        model.train()
        for _ in 0..<5 {
            model.zeroGrad()
            (-model(x)[0..<4].sum(alongAxes: [0])[0]).backward()
            optimizer.step()
        }
        let after = firstClass().map(\.element).reduce(0, +)
        #expect(after > before + 0.5, "log-probability of class 0 went from \(before) to \(after)")
    }

    /// A small Descent export to break in the tests below.
    static func smallModel() throws -> Onnx_ModelProto {
        let model = Sequential(Conv2d(1, 2, kernelSize: 3), ReLU(), Flatten(), Linear(8, 3))
        return try Onnx_ModelProto(serializedBytes: try model.onnxData(inputShape: [1, 4, 4]))
    }

    /// The one-line error for `proto`'s bytes.
    static func error(_ proto: Onnx_ModelProto) throws -> String {
        try error(proto.serializedData())
    }

    static func error(_ data: Data) -> String {
        do {
            _ = try ONNXImport.read(data, source: "bad.onnx")
            return "no error"
        } catch let e as DescentError {
            #expect(e.kind == .file)
            #expect(!e.description.contains("\n"))
            return e.description
        } catch {
            return "not a DescentError: \(error)"
        }
    }

    @Test func aTruncatedFileIsRefused() throws {
        let data = try Self.smallModel().serializedData()
        let message = Self.error(data.prefix(data.count - 7))
        #expect(message.hasPrefix("bad.onnx: not an ONNX model (protobuf: "))
        #expect(Self.error(Data("not protobuf at all".utf8)).hasPrefix("bad.onnx: not an ONNX model"))
        #expect(Self.error(Data()) == "bad.onnx: the graph has no nodes")
    }

    @Test func wrongTypesAreRefused() throws {
        var proto = try Self.smallModel()
        proto.graph.initializer[0].dataType = Int32(Onnx_TensorProto.DataType.int32.rawValue)
        #expect(
            try Self.error(proto)
                == "bad.onnx: initialiser '0.weight' has data type int32; float32 (and int64 shapes) are read")

        proto = try Self.smallModel()
        proto.graph.initializer[0].rawData = proto.graph.initializer[0].rawData.prefix(8)
        #expect(
            try Self.error(proto) == "bad.onnx: initialiser '0.weight' holds 2 values for dimensions [2, 1, 3, 3] (18)")

        proto = try Self.smallModel()
        let conv = proto.graph.node.firstIndex { $0.opType == "Conv" }!
        let k = proto.graph.node[conv].attribute.firstIndex { $0.name == "strides" }!
        proto.graph.node[conv].attribute[k].type = .float
        proto.graph.node[conv].attribute[k].f = 1
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '0/Conv': attribute strides must be a list of integers, got float")

        proto = try Self.smallModel()
        proto.graph.input[0].type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        #expect(try Self.error(proto) == "bad.onnx: the graph input 'input' has element type 11, not float32")
    }

    @Test func aCycleIsRefused() throws {
        var proto = try Self.smallModel()
        let relu = proto.graph.node.firstIndex { $0.opType == "Relu" }!
        let flatten = proto.graph.node.firstIndex { $0.opType == "Flatten" }!
        proto.graph.node[relu].input = proto.graph.node[flatten].output
        #expect(try Self.error(proto) == "bad.onnx: node '1/Relu': the graph has a cycle through this node")
    }

    @Test func aMissingInitialiserIsRefused() throws {
        var proto = try Self.smallModel()
        proto.graph.initializer.removeAll { $0.name == "3.weight" }
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '3/Gemm': input '3.weight' is missing: no initialiser, graph input or node output has this name"
        )
    }

    @Test func anUnsupportedOperatorIsNamedWithItsNode() throws {
        var proto = try Self.smallModel()
        let relu = proto.graph.node.firstIndex { $0.opType == "Relu" }!
        proto.graph.node[relu].opType = "Celu"
        let message = try Self.error(proto)
        #expect(message.hasPrefix("bad.onnx: node '1/Relu': operator 'Celu' is not supported (supported: Conv, "))
    }

    @Test func weightsThatDoNotFitAreRefused() throws {
        var proto = try Self.smallModel()
        let i = proto.graph.initializer.firstIndex { $0.name == "3.weight" }!
        proto.graph.initializer[i].dims = [3, 4]
        proto.graph.initializer[i].rawData = ONNXTensorData.littleEndianBytes(Array(repeating: 0.5, count: 12))
        #expect(try Self.error(proto).hasPrefix("bad.onnx: node '3/Gemm': "))

        proto = try Self.smallModel()
        proto.graph.initializer[0].dims = [2, 1, 0, 3]
        proto.graph.initializer[0].rawData = Data()
        #expect(
            try Self.error(proto) == "bad.onnx: node '0/Conv': weight '0.weight' has an empty dimension: [2, 1, 0, 3]")
    }

    /// A small text classifier's export (a bidirectional GRU) to break in the tests below.
    static func textModel() throws -> Onnx_ModelProto {
        let model = SequenceClassifier(
            vocabularySize: 12, classes: 3, cell: .gru, embeddingDim: 4, hiddenSize: 3, bidirectional: true,
            generator: RandomGenerator(seed: 3))
        return try Onnx_ModelProto(serializedBytes: try model.onnxData(inputShape: [6]))
    }

    @Test func recurrentNodesOutsideDescentsFormsAreRefused() throws {
        var proto = try Self.textModel()
        let gru = proto.graph.node.firstIndex { $0.opType == "GRU" }!
        let name = proto.graph.node[gru].name
        let reset = proto.graph.node[gru].attribute.firstIndex { $0.name == "linear_before_reset" }!
        proto.graph.node[gru].attribute[reset].i = 0
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '\(name)': GRU with linear_before_reset = 0 is not supported (PyTorch's GRU has 1)")

        proto = try Self.textModel()
        let direction = proto.graph.node[gru].attribute.firstIndex { $0.name == "direction" }!
        proto.graph.node[gru].attribute[direction].s = Data("reverse".utf8)
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '\(name)': direction 'reverse' is not supported (forward or bidirectional)")

        proto = try Self.textModel()
        let hidden = proto.graph.node[gru].attribute.firstIndex { $0.name == "hidden_size" }!
        proto.graph.node[gru].attribute[hidden].i = 4
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '\(name)': weights W [2, 9, 4], R [2, 9, 3], B [2, 18] do not fit hidden_size 4 and 2 direction(s)"
        )

        proto = try Self.textModel()
        let gather = proto.graph.node.firstIndex { $0.opType == "Gather" }!
        proto.graph.node[gather].input.swapAt(0, 1)
        #expect(
            try Self.error(proto)
                == "bad.onnx: node '\(proto.graph.node[gather].name)': Gather reads rows of a constant matrix at computed indices, or a value at constant indices"
        )
    }

    @Test func anImportedTextModelReadsAnyLength() throws {
        let proto = try Self.textModel()
        let imported = try ONNXImport.read(try proto.serializedData(), source: "text.onnx")
        #expect(imported.inputShape == [1])
        let ids = Tensor([3, 5, 7, 0, 0, 0, 9, 2, 4, 6, 8, 1], shape: [2, 6])
        let short = Tensor([3, 5, 7], shape: [1, 3])
        let (batch, alone) = withNoGrad { (imported.model(ids), imported.model(short)) }
        #expect(batch.shape == [2, 3])
        // The padded first row equals the same text alone without padding (sequence_lens from the padding).
        for k in 0..<3 { #expect(abs(batch.scalars[k] - alone.scalars[k]) < 1e-6) }
    }

    /// Every truncation and many one-byte changes of a small model: each is read or refused with a one-line
    /// ``DescentError``, and a model that is read runs on a batch of zeros (its shapes were checked when read).
    @Test(arguments: ["cnn", "text", "torch-lstm"])
    func damagedBytesAreReadOrRefusedNeverACrash(_ kind: String) throws {
        let model = Sequential(
            Conv2d(1, 2, kernelSize: 3, padding: 1), BatchNorm2d(2), ReLU(), MaxPool2d(kernelSize: 2), Flatten(),
            Linear(8, 3), Softmax())
        let data =
            kind == "torch-lstm"
            ? try Data(contentsOf: try Self.fixtureURL("torch_lstm.onnx"))
            : kind == "text"
                ? try Self.textModel().serializedData()
                : try model.onnxData(
                    inputShape: [1, 4, 4], options: ONNXExportOptions(normalizeMean: [0.5], normalizeStd: [0.25]))
        var variants = (0..<data.count).map { data.prefix($0) }
        let generator = RandomGenerator(seed: 11)
        for position in 0..<data.count {
            for _ in 0..<(kind == "torch-lstm" ? 1 : 2) {  // PyTorch's file is 11 kB
                var changed = data
                let index = changed.startIndex + position
                changed[index] = UInt8(generator.uniformFloat() * 255)
                variants.append(changed)
            }
        }
        var read = 0, refused = 0
        for bytes in variants {
            do {
                let imported = try ONNXImport.read(Data(bytes), source: "m.onnx")
                let y = withNoGrad { imported.model(Tensor.zeros([2] + imported.inputShape)) }
                #expect(y.shape.first == 2)
                read += 1
            } catch let e as DescentError {
                #expect(!e.description.contains("\n"))
                #expect(e.location.hasPrefix("m.onnx"))
                refused += 1
            }
        }
        #expect(read + refused == variants.count)
        #expect(refused > data.count)
    }
}
