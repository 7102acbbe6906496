import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

@Suite struct TrainingRunTests {
    static let tiny = """
        seed: 3
        data:
          dataset: shapes
          train_samples: 300
          test_samples: 100
          validation_fraction: 0.2
          batch_size: 32
        model:
          name: mlp
          hidden: [32]
        training:
          epochs: 2
        checkpoint:
          every_steps: 4
          keep: 1
        """

    @Test func writesTheRunFolder() throws {
        let folder = temporaryFolder("run")
        let config = try TrainingConfig.parse(yaml: Self.tiny, source: "tiny.yaml")
        var run = TrainingRun(config: config, directory: folder)
        run.write = { _ in }
        let outcome = try run.start()
        #expect(!outcome.interrupted)
        #expect(outcome.history.epochs.count == 2)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        for name in [
            "config.yaml", "run.json", "model.safetensors", "history.json", "metrics.json", "log.csv", "log.jsonl",
            "report.html", "loss.svg", "accuracy.svg", "learning_rate.svg", "confusion_matrix.svg", "checkpoints",
        ] {
            #expect(names.contains(name), "missing \(name)")
        }
        let manifest = try RunManifest.read(from: folder)
        #expect(manifest.inputShape == [1, 28, 28] && manifest.classes == 10 && manifest.outputs == 10)
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json")))
            as! [String: Any]
        #expect((metrics["accuracy"] as! Double) == outcome.test!.accuracy!)
        // The saved config reads back to the same config.
        #expect(try TrainingConfig.load(contentsOf: folder.appendingPathComponent("config.yaml")) == config)
        // The saved weights are the model's.
        let reloaded = try config.model.makeModel(inputShape: [1, 28, 28], classes: 10)
        try reloaded.loadWeights(from: folder.appendingPathComponent("model.safetensors"))
        #expect(zip(reloaded.parameters(), outcome.trainer.model.parameters()).allSatisfy { $0.isBitwiseEqual($1) })
        // keep: 1 leaves one periodic checkpoint besides best/.
        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: folder.appendingPathComponent("checkpoints").path)
        #expect(checkpoints.filter { $0.hasPrefix("step-") }.count == 1)
    }

    @Test func aBadConfigLeavesTheOutputFolderAlone() throws {
        let folder = temporaryFolder("keep")
        let sentinel = folder.appendingPathComponent("model.safetensors")
        try Data("previous weights".utf8).write(to: sentinel)
        let bad = "data:\n  dataset: csv\n  path: /nonexistent/data.csv\n  target: y\nmodel:\n  name: mlp\n"
        let config = try TrainingConfig.parse(yaml: bad, source: "bad.yaml")
        #expect(throws: DescentError.self) { _ = try TrainingRun(config: config, directory: folder).start() }
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "previous weights")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }
}

@Suite struct OutputLocationTests {
    @Test func prepareOutputCreatesNestedFoldersAndLeavesNoProbe() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("descent-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("a/b/run")
        try RunFolder.prepareOutput(run)
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path).isEmpty)
        try RunFolder.prepareOutput(run)  // an existing folder is fine
        let file = root.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        #expect(throws: DescentError.self) { try RunFolder.prepareOutput(file) }
    }

    @Test func requireSpaceComparesWithTheFreeBytes() throws {
        let tmp = FileManager.default.temporaryDirectory
        let free = try #require(RunFolder.freeBytes(at: tmp))
        #expect(free > 0)
        try RunFolder.requireSpace(forWeights: 1000, in: tmp)
        do {
            try RunFolder.requireSpace(forWeights: free, in: tmp)
            Issue.record("8 × the free space passed the check")
        } catch let error as DescentError {
            #expect(
                error.description.hasPrefix(
                    "\(tmp.path): not enough space for the run: checkpoints and weights need about "))
            #expect(error.description.hasSuffix(" free"))
        }
    }
}
