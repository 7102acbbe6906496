import Descent
import DescentData
import Foundation
import Testing

@testable import DescentONNX
@testable import DescentTrain

/// `model.weights`: a state dict loaded into the built model before training (fine-tuning).
@Suite struct ModelWeightsTests {
    /// A folder with a 40-row CSV (`d.csv`, two features, two classes) and `c.yaml` training an MLP on it with
    /// `model` given by `model`.
    static func job(model: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = ["x,y,label"] + (0..<40).map { "\($0),\($0 * 3 % 7),\($0 % 2)" }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("d.csv"))
        try Data(
            """
            data: {dataset: csv, path: d.csv, target: label, task: classification, normalize: dataset}
            model: \(model)
            """.utf8
        ).write(to: folder.appendingPathComponent("c.yaml"))
        return folder
    }

    @Test func theModelStartsFromTheFilesWeights() throws {
        let folder = try Self.job(model: "{name: mlp, hidden: [8], dropout: 0, weights: start.safetensors}")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Models.mlp([2, 8, 2], generator: RandomGenerator(seed: 99))
        try source.saveWeights(to: folder.appendingPathComponent("start.safetensors"))
        let config = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("c.yaml"))
        // The relative path is read against the configuration's folder, and written back absolute.
        #expect(config.model.weights == folder.appendingPathComponent("start.safetensors").standardizedFileURL.path)
        #expect(try TrainingConfig.parse(yaml: config.yaml).model.weights == config.model.weights)
        let setup = try config.makeSetup()
        let loaded = Dictionary(uniqueKeysWithValues: setup.model.namedParameters().map { ($0.0, $0.1.scalars) })
        for (key, value) in source.namedParameters() { #expect(loaded[key] == value.scalars, "\(key)") }
    }

    @Test func weightsThatDoNotFitNameTheKeyAndTheFile() throws {
        let folder = try Self.job(model: "{name: mlp, hidden: [8], dropout: 0, weights: start.safetensors}")
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = Models.mlp([2, 5, 2])
        let file = folder.appendingPathComponent("start.safetensors")
        try other.saveWeights(to: file)
        let yaml = folder.appendingPathComponent("c.yaml")
        do {
            _ = try TrainingConfig.load(contentsOf: yaml).makeSetup()
            Issue.record("mis-shaped weights were loaded")
        } catch let e as DescentError {
            #expect(e.location == "\(yaml.relativePath):2 model.weights")
            #expect(e.reason.hasPrefix("\(file.standardizedFileURL.path): "))
            #expect(!e.description.contains("\n"))
        }
    }
}

/// `model.onnx`: an ONNX graph (exported by Descent here; PyTorch's exports read the same way) trained from a config.
@Suite struct ModelONNXTests {
    @Test func anONNXGraphIsFineTunedFromTheConfig() throws {
        let folder = try ModelWeightsTests.job(model: "{onnx: start.onnx}")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Sequential(
            Linear(2, 8, generator: RandomGenerator(seed: 4)), Tanh(), Linear(8, 2, generator: RandomGenerator(seed: 5))
        )
        try source.exportONNX(to: folder.appendingPathComponent("start.onnx"), inputShape: [2])
        let config = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("c.yaml"))
        #expect(config.model.name == "onnx")
        #expect(try TrainingConfig.parse(yaml: config.yaml) == config)
        let setup = try config.makeSetup()
        #expect(setup.model is ONNXGraphModule)
        let start = Dictionary(uniqueKeysWithValues: setup.model.namedParameters().map { ($0.0, $0.1.scalars) })
        for (key, value) in source.namedParameters() { #expect(start[key] == value.scalars, "\(key)") }
        // Training changes the imported weights and lowers the training loss.
        let history = try setup.makeTrainer().fit(setup.train, epochs: 20)
        let losses = history.epochs.map(\.trainLoss)
        #expect(losses.last! < losses.first!, "training losses \(losses)")
        #expect(setup.model.namedParameters().first!.1.scalars != start["0.weight"]!)
    }

    @Test func aMissingOrMixedONNXModelIsRefused() throws {
        let folder = try ModelWeightsTests.job(model: "{onnx: nothing.onnx}")
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = folder.appendingPathComponent("c.yaml")
        do {
            _ = try TrainingConfig.load(contentsOf: yaml).makeSetup()
            Issue.record("a missing ONNX file was read")
        } catch let e as DescentError {
            #expect(e.location == "\(yaml.relativePath):2 model.onnx")
            #expect(e.reason.hasPrefix(folder.appendingPathComponent("nothing.onnx").standardizedFileURL.path))
        }
        do {
            _ = try TrainingConfig.parse(yaml: "model: {onnx: m.onnx, name: mlp}", source: "c.yaml")
            Issue.record("onnx and name were both read")
        } catch let e as DescentError {
            #expect(
                e.description
                    == "c.yaml:1 model.name: not used with model.onnx (the file gives the graph and its weights)")
        }
    }
}
