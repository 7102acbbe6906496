import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `descent train`'s TensorBoard files: the scalars of a run folder against its `history.json`, a crashed and
/// resumed run's two files with the purge marker, and `tensorboard: false`.
@Suite struct TensorBoardLoggerTests {
    /// 30 training shapes (3 batches of 10), 30 for validation, 2 epochs; checkpoints every 2 steps.
    static let tiny = """
        seed: 5
        data:
          dataset: shapes
          train_samples: 60
          test_samples: 20
          validation_fraction: 0.5
          batch_size: 10
        model:
          name: mlp
          hidden: [16]
        training:
          epochs: 2
        checkpoint:
          every_steps: 2
          keep: 1
        """

    /// One scalar point of an event file.
    struct Point: Equatable {
        var step: Int
        var value: Double
    }

    /// The points by tag that TensorBoard shows for `files` read in order: a `SessionLog.START` event at step `s`
    /// discards the points read before it at step `s` and later (`EventAccumulator._Purge`).
    static func visiblePoints(_ files: [URL]) throws -> [String: [Point]] {
        var points: [String: [Point]] = [:]
        for file in files {
            for event in try TensorBoardReader.events(in: file) {
                if event.sessionStatus == TensorBoardEvent.sessionStart {
                    for tag in points.keys { points[tag]!.removeAll { $0.step >= event.step } }
                }
                for (tag, value) in event.scalars {
                    points[tag, default: []].append(Point(step: event.step, value: value))
                }
            }
        }
        return points
    }

    /// The epoch scalars `history` should give, as float32 values at each epoch's last step.
    static func expectEpochScalars(_ points: [String: [Point]], _ history: History, stepsPerEpoch: Int) {
        func f(_ v: Double) -> Double { Double(Float(v)) }
        let steps = history.epochs.map { $0.epoch * stepsPerEpoch }
        #expect(points["epoch"] == zip(steps, history.epochs).map { Point(step: $0, value: Double($1.epoch)) })
        #expect(
            points["epoch/train_loss"]
                == zip(steps, history.epochs).map { Point(step: $0, value: f($1.trainLoss)) })
        #expect(
            points["epoch/train_accuracy"]
                == zip(steps, history.epochs).map { Point(step: $0, value: f($1.trainAccuracy!)) })
        #expect(
            points["epoch/validation_loss"]
                == zip(steps, history.epochs).map { Point(step: $0, value: f($1.validationLoss!)) })
        #expect(
            points["epoch/validation_accuracy"]
                == zip(steps, history.epochs).map { Point(step: $0, value: f($1.validationAccuracy!)) })
        #expect(
            points["epoch/learning_rate"]
                == zip(steps, history.epochs).map { Point(step: $0, value: f($1.learningRate)) })
    }

    @Test func aRunFolderHoldsTheScalarsOfItsHistory() throws {
        let folder = temporaryFolder("tensorboard-run")
        let config = try TrainingConfig.parse(yaml: Self.tiny, source: "tiny.yaml")
        var run = TrainingRun(config: config, directory: folder)
        run.write = { _ in }
        let outcome = try run.start()
        let history = try JSONFile.decode(
            History.self,
            from: Data(contentsOf: folder.appendingPathComponent("history.json")))
        #expect(history == outcome.history && history.epochs.count == 2)

        let files = TensorBoardLogger.eventFiles(in: folder)
        #expect(files.count == 1)
        let events = try TensorBoardReader.events(in: files[0])
        #expect(events.first?.fileVersion == "brain.Event:2")
        #expect(events.allSatisfy { $0.sessionStatus == nil }, "a fresh run writes no purge marker")
        let points = try Self.visiblePoints(files)
        #expect(
            Set(points.keys) == [
                "train/loss", "train/learning_rate", "epoch", "epoch/train_loss",
                "epoch/train_accuracy", "epoch/validation_loss", "epoch/validation_accuracy",
                "epoch/learning_rate",
            ])
        #expect(points["train/loss"]?.map(\.step) == Array(1...6))
        Self.expectEpochScalars(points, history, stepsPerEpoch: 3)
        // The epoch's training loss is the mean of its (equal-sized) batches' losses.
        for (e, log) in history.epochs.enumerated() {
            let losses = points["train/loss"]![(3 * e)..<(3 * e + 3)].map(\.value)
            #expect(abs(losses.reduce(0, +) / 3 - log.trainLoss) < 1e-5 * max(1, log.trainLoss))
        }
        // Each step logs the rate it used: the first epoch's, then the one the per-epoch schedule set for the next.
        let rates = points["train/learning_rate"]!.map(\.value)
        #expect(
            rates == [Double](repeating: Double(Float(config.optimizer.lr)), count: 3)
                + [Double](repeating: Double(Float(history.epochs[0].learningRate)), count: 3))
    }

    /// Throws at a step, as a crash would end the process, noting the steps of `train/loss` then on disk.
    final class Crash: TrainingCallback {
        let step: Int, folder: URL
        var onDisk: [Int] = []
        init(atStep step: Int, folder: URL) { (self.step, self.folder) = (step, folder) }
        func stepDidEnd(_ state: inout TrainingState) throws {
            guard state.step == step else { return }
            onDisk =
                try TensorBoardLoggerTests.visiblePoints(TensorBoardLogger.eventFiles(in: folder))["train/loss"]?
                .map(\.step) ?? []
            throw DescentError(.file, "crash", "crashed at step \(step)")
        }
    }

    @Test func aResumedRunAppendsAFileThatPurgesThePointsAfterItsCheckpoint() throws {
        let folder = temporaryFolder("tensorboard-resume")
        let config = try TrainingConfig.parse(yaml: Self.tiny, source: "tiny.yaml")
        do {
            let setup = try config.makeSetup()
            #expect(setup.train.batchesPerEpoch == 3)
            let store = CheckpointStore(directory: folder.appendingPathComponent("checkpoints"))
            let checkpoint = ModelCheckpoint(store: store, policy: config.checkpoint!)
            let trainer = setup.makeTrainer(logs: folder, checkpoint: checkpoint)
            let crash = Crash(atStep: 5, folder: folder)
            trainer.callbacks.append(crash)
            #expect(throws: DescentError.self) { try trainer.fit(setup.train, validation: setup.validation, epochs: 2) }
            // The checkpoint of step 4 flushed the file: a kill would lose no point up to it.
            #expect(crash.onDisk == [1, 2, 3, 4])
        }
        let crashed = TensorBoardLogger.eventFiles(in: folder)
        #expect(crashed.count == 1)
        #expect(try Self.visiblePoints(crashed)["train/loss"]?.map(\.step) == [1, 2, 3, 4, 5])

        var run = TrainingRun(config: config, directory: folder)
        run.write = { _ in }
        let outcome = try run.start(resume: true)
        let files = TensorBoardLogger.eventFiles(in: folder)
        #expect(files.count == 2 && files.first == crashed.first)
        // The resumed file starts with the purge marker at the step after the checkpoint of step 4.
        let resumed = try TensorBoardReader.events(in: files[1])
        #expect(resumed.count > 2 && resumed[0].fileVersion == "brain.Event:2")
        #expect(resumed[1].sessionStatus == TensorBoardEvent.sessionStart && resumed[1].step == 5)
        #expect(resumed[1].scalars.isEmpty && resumed.dropFirst(2).allSatisfy { $0.sessionStatus == nil })
        let points = try Self.visiblePoints(files)
        #expect(points["train/loss"]?.map(\.step) == Array(1...6), "each step once after the purge")
        #expect(points["train/learning_rate"]?.map(\.step) == Array(1...6))
        Self.expectEpochScalars(points, outcome.history, stepsPerEpoch: 3)
    }

    @Test func tensorboardFalseWritesNoEventFile() throws {
        let folder = temporaryFolder("tensorboard-off")
        let config = try TrainingConfig.parse(yaml: Self.tiny + "\ntensorboard: false\n", source: "tiny.yaml")
        #expect(!config.tensorboard)
        #expect(try TrainingConfig.parse(yaml: config.yaml) == config)
        var run = TrainingRun(config: config, directory: folder)
        run.write = { _ in }
        _ = try run.start()
        #expect(TensorBoardLogger.eventFiles(in: folder).isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("history.json").path))
    }
}
