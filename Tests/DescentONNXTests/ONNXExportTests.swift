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
        #expect(inputDims.dropFirst().map(\.dimValue) == c.inputShape.map(Int64.init))
        #expect(proto.graph.output[0].type.tensorType.shape.dim.first?.dimParam == "batch")
        // Every node reads only the input, initialisers and outputs of earlier nodes.
        var defined = Set(proto.graph.initializer.map(\.name) + ["input"])
        for node in proto.graph.node {
            for input in node.input {
                #expect(defined.contains(input), "\(node.name) reads \(input) before it is made")
            }
            defined.formUnion(node.output)
        }
        #expect(defined.contains("output"))
        // Every parameter of the model is an initialiser with its values.
        let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0) })
        for (key, t) in c.model.namedParameters() {
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
        #expect(imported.inputShape == c.inputShape)
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
        for (key, value) in c.model.namedParameters() { #expect(back[key] == value.scalars, "\(key)") }
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

    @Test(arguments: [ModelConfig.Zoo.textRNN, .audioRNN])
    func theRecurrentModelsAreRefusedByName(_ zoo: ModelConfig.Zoo) throws {
        let model = try zoo.makeModel(inputShape: zoo.defaultInput, classes: 2)
        do {
            _ = try model.onnxData(inputShape: zoo.defaultInput)
            Issue.record("\(zoo.rawValue) was exported")
        } catch let e as DescentError {
            #expect(e.location == (zoo == .textRNN ? "SequenceClassifier" : "FrameSequenceClassifier"))
            #expect(e.reason.hasPrefix("has no ONNX export"))
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
            #expect(back.shape == [4, name == "layers-conv" ? 5 : name == "layers-dense" ? 3 : 10])
            #expect(back.scalars == y.scalars)
        }
    }
}
