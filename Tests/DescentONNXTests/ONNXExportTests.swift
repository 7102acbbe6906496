import Descent
import DescentData
import DescentTrain
import Foundation
import SwiftProtobuf
import Testing

@testable import DescentONNX

/// The structure of exported models: opset, dynamic batch, metadata, normalisation nodes, graph order.
@Suite struct ONNXExportTests {
    @Test(arguments: ExportCase.names)
    func exportedGraphIsWellFormed(_ name: String) throws {
        let c = try ExportCase.make(name)
        let proto = try Onnx_ModelProto(
            serializedBytes: try c.model.onnxData(inputShape: c.inputShape, options: c.options))
        #expect(proto.opsetImport.map(\.version) == [name == "layers-conv" ? 20 : 17])
        #expect(proto.graph.input.map(\.name) == ["input"])
        #expect(proto.graph.output.map(\.name) == ["output"])
        let inputDims = proto.graph.input[0].type.tensorType.shape.dim
        #expect(inputDims.first?.dimParam == "batch")
        if c.isText {  // token sequences of any length
            #expect(inputDims.dropFirst().map(\.dimParam) == ["sequence"])
        } else {
            #expect(inputDims.dropFirst().map(\.dimValue) == c.inputShape.map(Int64.init))
        }
        #expect(proto.graph.output[0].type.tensorType.shape.dim.first?.dimParam == "batch")
        // Every node reads only the input, initialisers and outputs of earlier nodes.
        var defined = Set(proto.graph.initializer.map(\.name) + ["input"])
        for node in proto.graph.node {
            for input in node.input {
                #expect(defined.contains(input), "\(node.name) reads \(input) before it is made")
            }
            defined.formUnion(node.output)
            defined.insert("")  // an optional input left out
        }
        #expect(defined.contains("output"))
        // Every parameter of the model is an initialiser with its values (the recurrent weights in ONNX's layout,
        // checked by ``recurrentWeightsTakeONNXsLayout()``).
        let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0) })
        let recurrentKeys = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        for (key, t) in c.model.namedParameters() where !recurrentKeys.contains(where: { key.contains($0) }) {
            let stored = try #require(initializers[key], "\(key) is not exported")
            #expect(stored.dims == t.shape.map(Int64.init))
            #expect(ONNXTensorData.floats(littleEndian: stored.rawData) == t.scalars)
        }
        if let mean = c.options.normalizeMean {
            #expect(Array(proto.graph.node.prefix(2).map(\.opType)) == ["Sub", "Mul"])
            #expect(ONNXTensorData.floats(littleEndian: initializers["normalize.mean"]!.rawData) == mean)
        }
    }

    @Test(arguments: ExportCase.names)
    func exportThenImportGivesTheSameOutputs(_ name: String) throws {
        let c = try ExportCase.make(name)
        let data = try c.model.onnxData(inputShape: c.inputShape, options: c.options)
        let imported = try ONNXImport.read(data, source: "\(name).onnx")
        #expect(imported.inputShape == (c.isText ? [1] : c.inputShape))  // text: any length
        #expect(imported.classNames == c.options.classNames)
        let x = c.inputs(count: 3)
        let expected = c.outputs(x)
        let got = withNoGrad { imported.model(x) }
        #expect(got.shape == expected.shape)
        let scale = expected.scalars.map(abs).max()!
        let diff = zip(got.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        #expect(diff <= 1e-5 * max(scale, 1), "max difference \(diff) (outputs up to \(scale))")
        // The parameters keep their state-dict keys and values (a batch norm without affine parameters comes back
        // with a weight of ones and a bias of zeros).
        let back = Dictionary(uniqueKeysWithValues: imported.model.namedParameters().map { ($0.0, $0.1.scalars) })
        // Each recurrent layer comes back as one ONNX node's one-layer network: layer l's weights are those of the
        // child `recurrent_l` (`recurrent` for layer 0) with suffix `_l0`.
        for (key, value) in c.model.namedParameters() {
            // A language model's decoder at every step is MatMul + Add: its bias comes back as a constant.
            if c.model is RNNLanguageModel && key.hasPrefix("decoder.") { continue }
            var imported = key
            let module = key.prefix { $0 != "." }
            if ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].contains(where: { key.contains($0) }),
                let l = key.range(of: #"_l\d+"#, options: .regularExpression)
            {
                let layer = Int(key[l].dropFirst(2))!
                imported = (layer == 0 ? String(module) : "\(module)_\(layer)") + key.dropFirst(module.count)
                imported = imported.replacingOccurrences(of: String(key[l]), with: "_l0")
            }
            #expect(back[imported] == value.scalars, "\(key) as \(imported)")
        }
    }

    @Test func metadataHoldsTheClassNames() throws {
        let model = Sequential(Flatten(), Linear(4, 3))
        let options = ONNXExportOptions(classNames: ["cat", "dog, \"big\"", "bird"], metadata: [("dataset", "pets")])
        let proto = try Onnx_ModelProto(serializedBytes: try model.onnxData(inputShape: [2, 2], options: options))
        #expect(proto.metadataProps.map(\.key) == ["class_names", "dataset"])
        let names = try JSONSerialization.jsonObject(with: Data(proto.metadataProps[0].value.utf8)) as? [String]
        #expect(names == ["cat", "dog, \"big\"", "bird"])
        #expect(proto.producerName == "Descent")
        #expect(proto.graph.node.map(\.opType) == ["Flatten", "Gemm", "Identity"])
    }

    @Test func aLayerWithoutAnONNXFormIsNamed() throws {
        let model = Sequential(Linear(4, 4), AvgPool2d(kernelSize: 2, divisorOverride: 3))
        #expect(throws: DescentError.self) { try model.onnxData(inputShape: [1, 4, 4]) }
        do {
            _ = try Sequential(Flatten(), Linear(16, 4), BatchNorm1d(4, trackRunningStats: false))
                .onnxData(inputShape: [16])
            Issue.record("a batch norm without running statistics was exported")
        } catch let e as DescentError {
            #expect(e.location == "2 (BatchNorm1d)")
            #expect(e.reason.contains("running statistics"))
        }
    }

    @Test func recurrentWeightsTakeONNXsLayout() throws {
        let c = try ExportCase.make("text-gru-2-bi")
        let proto = try Onnx_ModelProto(serializedBytes: try c.model.onnxData(inputShape: c.inputShape))
        let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0) })
        let state = Dictionary(uniqueKeysWithValues: c.model.namedParameters().map { ($0.0, $0.1.scalars) })
        // W of layer 1: [2 directions, 3 gates · 5, 2 · 5 inputs], gates r, z, n reordered to z, r, h.
        let w = try #require(initializers["recurrent.W_l1"])
        #expect(w.dims == [2, 15, 10])
        let values = ONNXTensorData.floats(littleEndian: w.rawData), block = 5 * 10
        let forward = state["recurrent.weight_ih_l1"]!, reverse = state["recurrent.weight_ih_l1_reverse"]!
        #expect(Array(values[0..<block]) == Array(forward[block..<(2 * block)]))  // z
        #expect(Array(values[block..<(2 * block)]) == Array(forward[0..<block]))  // r
        #expect(Array(values[(2 * block)..<(3 * block)]) == Array(forward[(2 * block)...]))  // n
        #expect(Array(values[(3 * block)..<(4 * block)]) == Array(reverse[block..<(2 * block)]))
        let gru = try #require(proto.graph.node.first { $0.opType == "GRU" })
        #expect(gru.attribute.first { $0.name == "linear_before_reset" }?.i == 1)
        #expect(
            gru.attribute.first { $0.name == "direction" }.map { String(decoding: $0.s, as: UTF8.self) }
                == "bidirectional")
        #expect(gru.input.count == 5 && !gru.input[4].isEmpty)  // sequence_lens from the padding
    }

    @Test func anEmbeddingWithMaxNormIsRefused() throws {
        let model = SequenceClassifier(
            embedding: Embedding(10, 4, paddingIndex: 0, maxNorm: 1), recurrent: GRU(4, 3, batchFirst: true),
            head: Linear(3, 2))
        do {
            _ = try model.onnxData(inputShape: [5])
            Issue.record("an embedding with max_norm was exported")
        } catch let e as DescentError {
            #expect(e.location == "embedding (Embedding)")
            #expect(e.reason.hasPrefix("has no ONNX export with max_norm"))
        }
    }

    /// Writes `model.onnx`, `input.npy` (4 raw samples in [0, 1]) and `output.npy` (Descent's outputs) per case into
    /// `$DESCENT_ONNX_REFERENCE_DIR` (for `Tests/Fixtures/check_onnx_export.py`), or a temporary folder.
    @Test func writesReferenceFiles() throws {
        let root =
            ProcessInfo.processInfo.environment["DESCENT_ONNX_REFERENCE_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("descent-onnx-\(getpid())")
        for name in ExportCase.names {
            let c = try ExportCase.make(name)
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try c.model.exportONNX(
                to: folder.appendingPathComponent("model.onnx"), inputShape: c.inputShape, options: c.options)
            let x = c.inputs(count: 4)
            let y = c.outputs(x)
            try NPYArray.encode(x).write(to: folder.appendingPathComponent("input.npy"))
            try NPYArray.encode(y).write(to: folder.appendingPathComponent("output.npy"))
            let back = try NPYArray(contentsOf: folder.appendingPathComponent("output.npy")).tensor()
            #expect(back.shape == [4] + (try c.model.outputShape(for: [1] + c.inputShape)).dropFirst())
            #expect(back.scalars == y.scalars)
        }
    }
}
