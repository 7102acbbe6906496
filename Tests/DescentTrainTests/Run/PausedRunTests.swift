import Foundation
import Testing

@testable import Descent
@testable import DescentTrain

/// `TrainingRun.pauseAfterEpoch` (`descent train --pause-after-epoch`): a run paused and resumed ends with the
/// same weights, byte for byte, as the run trained straight, for a schedule per epoch and one per step, since the
/// run keeps its length `training.epochs` for the schedule while it pauses.
@Suite(.serialized) struct PausedRunTests {
    static func config(schedule: String) throws -> TrainingConfig {
        try TrainingConfig.parse(
            yaml: """
                seed: 5
                data:
                  dataset: shapes
                  train_samples: 200
                  test_samples: 60
                  validation_fraction: 0.2
                  batch_size: 32
                model:
                  name: mlp
                  hidden: [16]
                optimizer:
                  name: sgd
                  lr: 0.1
                \(schedule)
                training:
                  epochs: 4
                """, source: "paused.yaml")
    }

    static func start(
        _ config: TrainingConfig, _ folder: URL, pause: Int?,
        resume: Bool
    ) throws -> TrainingRun.Outcome {
        var run = TrainingRun(config: config, directory: folder)
        run.write = { _ in }
        run.pauseAfterEpoch = pause
        return try run.start(resume: resume)
    }

    static func file(_ folder: URL, _ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    @Test(arguments: ["schedule: {name: cosine}", "schedule: {name: one_cycle}"])
    func pausedTwiceAndResumedEndsByteIdentical(schedule: String) throws {
        let config = try Self.config(schedule: schedule)
        let straight = temporaryFolder("straight"), paused = temporaryFolder("paused")
        let full = try Self.start(config, straight, pause: nil, resume: false)

        let first = try Self.start(config, paused, pause: 1, resume: false)
        #expect(first.paused && !first.interrupted && first.test == nil && first.history.epochs.count == 1)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: paused.path))
        for name in ["config.yaml", "run.json", "history.json", "paused.json", "checkpoints", "log.csv"] {
            #expect(names.contains(name), "missing \(name)")
        }
        for name in ["model.safetensors", "metrics.json", "report.html"] { #expect(!names.contains(name), "\(name)") }
        #expect(RunPause.read(from: paused) == RunPause(epoch: 1, epochs: 4))
        // The schedule spans the 4 epochs, not the 1 before the pause.
        #expect(first.history.epochs[0].learningRate == full.history.epochs[0].learningRate)
        #expect(first.history.epochs[0].validationLoss == full.history.epochs[0].validationLoss)

        let second = try Self.start(config, paused, pause: 3, resume: true)
        #expect(second.paused && second.history.epochs.count == 3)
        #expect(RunPause.read(from: paused) == RunPause(epoch: 3, epochs: 4))
        let last = try Self.start(config, paused, pause: nil, resume: true)
        #expect(!last.paused && !last.interrupted && last.history.epochs.count == 4)
        #expect(RunPause.read(from: paused) == nil)
        #expect(try Self.file(paused, "model.safetensors") == Self.file(straight, "model.safetensors"))
        #expect(last.history.epochs.map(\.learningRate) == full.history.epochs.map(\.learningRate))
        #expect(last.history.epochs.map(\.trainLoss) == full.history.epochs.map(\.trainLoss))
        #expect(last.test?.loss == full.test?.loss)
    }

    @Test func resumingAtThePauseAgainPausesWithoutTraining() throws {
        let config = try Self.config(schedule: "")
        let folder = temporaryFolder("again")
        _ = try Self.start(config, folder, pause: 2, resume: false)
        let again = try Self.start(config, folder, pause: 2, resume: true)
        #expect(again.paused && again.trainer.step == 2 * 5 && again.history.epochs.count == 2)
    }

    @Test(arguments: [0, 4, 9])
    func thePauseMustFallInsideTheRun(pause: Int) throws {
        let config = try Self.config(schedule: "")
        let folder = temporaryFolder("outside")
        let error = DescentError(.argument, "--pause-after-epoch \(pause)", "must be ≥ 1 and < training.epochs (4)")
        #expect(throws: error) {
            _ = try Self.start(config, folder, pause: pause, resume: false)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.yaml").path))
    }

    @Test func aPausedFolderIsNoFinishedRun() throws {
        let folder = temporaryFolder("pausedrun")
        _ = try Self.start(try Self.config(schedule: ""), folder, pause: 1, resume: false)
        let reason =
            "holds no finished run: it is paused after epoch 1 of 4 (the state is in checkpoints/); "
            + "continue with descent train --resume \(folder.path)"
        #expect(throws: DescentError(.argument, "--run \(folder.path)", reason)) {
            try RunFolder(folder.path).requireFinished(option: "--run", manifest: true, weights: true)
        }
    }
}
