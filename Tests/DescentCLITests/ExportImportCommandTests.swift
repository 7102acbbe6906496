import Descent
import DescentONNX
import DescentTrain
import Foundation
import Testing

/// `descent export` and `descent import`: a zoo model's weights through ONNX and back, and one-line errors.
@Suite struct ExportImportCommandTests {
    @Test func weightsSurviveExportAndImport() throws {
        let folder = TemporaryFolder.make("onnx")
        let model = try ModelConfig.Zoo.cnnBN.makeModel(inputShape: [1, 28, 28], classes: 10)
        for (_, m) in model.namedModules() {
            if let bn = m as? BatchNorm { bn.runningVar?.assignInPlace(Tensor.full([bn.numFeatures], 2)) }
        }
        try model.saveWeights(to: folder.appendingPathComponent("cnn.safetensors"))
        let export = CommandOutcome.of(
            [
                "export", "$TMP/cnn.safetensors", "--model", "cnn-bn", "--output", "$TMP/cnn.onnx", "--normalize",
                "0.1307,0.3081", "--class-names", "a,b,c,d,e,f,g,h,i,j",
            ], inFolder: folder)
        #expect(export == .success)
        let back = CommandOutcome.of(
            ["import", "$TMP/cnn.onnx", "--weights", "$TMP/back.safetensors"], inFolder: folder)
        #expect(back == .success)
        let reloaded = try ModelConfig.Zoo.cnnBN.makeModel(inputShape: [1, 28, 28], classes: 10)
        try reloaded.loadWeights(from: folder.appendingPathComponent("back.safetensors"), strict: false)
        for ((key, a), (_, b)) in zip(model.stateEntries().map { ($0.key, $0.tensor) }, reloaded.stateDict())
        where !key.hasSuffix("num_batches_tracked") {
            #expect(a.scalars == b.scalars, "\(key)")
        }
    }

    @Test func aRunFolderIsExportedWithItsNormalisation() throws {
        let run = try TinyRuns.classification.get().run
        let folder = TemporaryFolder.make("onnx-run")
        #expect(CommandOutcome.of(["export", run.path, "--output", "$TMP/run.onnx"], inFolder: folder) == .success)
        let imported = try ONNXImport.read(contentsOf: folder.appendingPathComponent("run.onnx"))
        let manifest = try RunManifest.read(from: run)
        #expect(imported.inputShape == manifest.inputShape)
        #expect(imported.metadata.contains { $0.0 == "dataset" && $0.1 == manifest.dataset })
        // The exported model on raw inputs gives the run's model on inputs normalised as `descent predict` does.
        let config = try TrainingConfig.load(contentsOf: run.appendingPathComponent("config.yaml"))
        let net = try config.model.makeModel(inputShape: manifest.inputShape, classes: manifest.outputs)
        try net.loadWeights(from: run.appendingPathComponent("model.safetensors"))
        net.eval()
        let x = Tensor([0.25, 0.5, 1.75, 0.2, 0, 0.9], shape: [3, 2])
        var normalised = x.scalars
        let mean = try #require(manifest.normalizeMean), std = try #require(manifest.normalizeStd)
        for i in normalised.indices {
            let c = mean.count == 1 ? 0 : i % 2
            normalised[i] = (normalised[i] - mean[c]) * (1 / std[c])
        }
        let expected = withNoGrad { net(Tensor(normalised, shape: [3, 2])) }.scalars
        let got = withNoGrad { imported.model(x) }.scalars
        #expect(got.count == expected.count)
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(got) vs \(expected)")
    }

    @Test func badInputIsOneLine() throws {
        let folder = TemporaryFolder.make("onnx-errors")
        try Data("not a model".utf8).write(to: folder.appendingPathComponent("garbage.onnx"))
        #expect(
            CommandOutcome.of(["export", "w.safetensors", "--format", "tflite", "--output", "m.onnx"])
                == .usage("--format: only onnx is written, got 'tflite'"))
        try Data().write(to: folder.appendingPathComponent("w.safetensors"))
        #expect(
            CommandOutcome.of(["export", "$TMP/w.safetensors", "--output", "$TMP/m.onnx"], inFolder: folder)
                == .usage("a weights file needs --model NAME or --config FILE (or give a run folder)"))
        let absent = CommandOutcome.of(
            ["export", "$TMP/none.safetensors", "--output", "$TMP/m.onnx"], inFolder: folder)
        #expect(absent.status == 1)
        #expect(
            absent.line
                == "Error: \(folder.path)/none.safetensors: no such file or folder (give a run folder or a weights file)"
        )
        let garbage = CommandOutcome.of(["import", "$TMP/garbage.onnx"], inFolder: folder)
        #expect(garbage.status == 1)
        #expect(garbage.line.hasPrefix("Error: \(folder.path)/garbage.onnx: not an ONNX model (protobuf: "))
        let missing = CommandOutcome.of(["import", "$TMP/none.onnx"], inFolder: folder)
        #expect(missing.status == 1)
        #expect(missing.line == "Error: \(folder.path)/none.onnx: no such file")
    }
}
