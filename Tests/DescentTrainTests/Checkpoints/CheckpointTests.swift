import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// A fresh temporary folder.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Everything of one training run that a resume must reproduce: a dropout MLP drawing from its own
/// generator, Adam with a per-step cosine schedule, plateau detection, early stopping, a NaN/Inf policy and
/// shuffled batches from two workers.
final class ResumableRun {
    let generator = RandomGenerator(seed: 77)
    let model: Module
    let trainer: Trainer
    let train = DataLoader(blobs(count: 96, seed: 2), batchSize: 10, shuffle: true, seed: 5, workers: 2)
    let validation = DataLoader(blobs(count: 30, seed: 3), batchSize: 16)
    let checkpoint: ModelCheckpoint
    let epochs = 4

    init(
        folder: URL, everySteps: Int?, extra: [any TrainingCallback] = [], initSeed: UInt64 = 1,
        objective: Objective = .crossEntropy(), listGenerators: Bool = true, policy: NonFiniteLossPolicy = .stop
    ) {
        model = Sequential(
            Linear(2, 16, generator: RandomGenerator(seed: initSeed)), ReLU(),
            Dropout(0.3, generator: generator), Linear(16, 3, generator: RandomGenerator(seed: initSeed + 1)))
        trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 0.02), objective: objective)
        trainer.generators = listGenerators ? [generator] : []  // else found in the Dropout layer
        checkpoint = ModelCheckpoint(
            store: CheckpointStore(directory: folder),
            policy: CheckpointPolicy(everyEpochs: 1, everySteps: everySteps, keep: 2))
        trainer.callbacks =
            [
                NonFiniteLossGuard(policy),
                LearningRateScheduler(CosineAnnealingLR(baseLR: 0.02, tMax: 40), everyStep: true),
                PlateauScheduler(ReduceLROnPlateau(patience: 0, threshold: 0.5)), EarlyStopping(patience: 10),
            ]
            + extra + [checkpoint]
    }

    func fit() throws -> History { try trainer.fit(train, validation: validation, epochs: epochs) }
    var weights: [Tensor] { model.stateDict().map(\.1) }
}

/// A cross-entropy objective that is NaN once, on optimizer step `step` of the run it is a callback of (it
/// follows the run's step count through the hooks).
final class NaNOnceAtStep: TrainingCallback, @unchecked Sendable {
    let step: Int
    var fired = false
    var current = 0
    init(step: Int) { self.step = step }
    func trainingWillBegin(_ state: inout TrainingState) { current = state.step }
    func epochWillBegin(_ state: inout TrainingState) { current = state.step }
    func stepDidEnd(_ state: inout TrainingState) { current = state.step }
    var objective: Objective {
        .custom { [self] out, batch in
            let loss = crossEntropy(out, batch.labels!)
            guard !fired, current + 1 == step else { return loss }
            fired = true
            return loss * Float.nan
        }
    }
}

/// Stops the run at `step` as an interruption would.
final class InterruptAt: TrainingCallback {
    let step: Int
    var action: (inout TrainingState) -> Void = { $0.stop(reason: "test interruption", immediately: true) }
    init(step: Int) { self.step = step }
    func stepDidEnd(_ state: inout TrainingState) { if state.step == step { action(&state) } }
}

@Suite struct CheckpointTests {
    @Test func interruptedAndResumedRunEndsBitwiseEqual() throws {
        let reference = ResumableRun(folder: temporaryFolder("ref"), everySteps: nil)
        let full = try reference.fit()
        #expect(full.epochs.count == 4)

        let folder = temporaryFolder("interrupted")
        let first = ResumableRun(folder: folder, everySteps: nil, extra: [InterruptAt(step: 13)])
        let partial = try first.fit()
        #expect(first.trainer.interrupted)
        #expect(partial.epochs.count == 1)  // 10 steps per epoch: stopped in epoch 2
        #expect(try CheckpointStore(directory: folder).latest()?.lastPathComponent == "step-00000013")

        let resumed = ResumableRun(folder: folder, everySteps: nil, initSeed: 99)  // other initial weights
        try resumed.checkpoint.store.restore(resumed.trainer)
        #expect(resumed.trainer.step == 13 && resumed.trainer.batchInEpoch == 3)
        let history = try resumed.fit()
        #expect(history.epochs.count == 4)
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })
        #expect(history.epochs.map(\.trainLoss) == full.epochs.map(\.trainLoss))
        #expect(history.epochs.map(\.validationLoss) == full.epochs.map(\.validationLoss))
    }

    @Test func rollbackAfterAResumeReturnsToTheEpochStartLikeTheUninterruptedRun() throws {
        // NaN on step 16 (epoch 2, batch 6): the rollback policy returns to the start of epoch 2 (step 10).
        func run(_ folder: URL, extra: [any TrainingCallback] = [], initSeed: UInt64 = 1) -> ResumableRun {
            let nan = NaNOnceAtStep(step: 16)
            return ResumableRun(
                folder: folder, everySteps: nil, extra: [nan] + extra, initSeed: initSeed, objective: nan.objective,
                policy: .rollback)
        }
        let reference = run(temporaryFolder("rollback-ref"))
        let full = try reference.fit()
        #expect(full.epochs.count == 4 && reference.trainer.step == 40)  // the rollback rewinds the step count too

        // Interrupted at step 13 (epoch 2, batch 3), before the NaN: the checkpoint holds the epoch's start too.
        let folder = temporaryFolder("rollback-interrupted")
        _ = try run(folder, extra: [InterruptAt(step: 13)]).fit()
        let latest = try #require(try CheckpointStore(directory: folder).latest())
        #expect(FileManager.default.fileExists(atPath: latest.appendingPathComponent("epoch-start/trainer.json").path))

        let resumed = run(folder, initSeed: 99)
        try resumed.checkpoint.store.restore(resumed.trainer)
        let history = try resumed.fit()
        #expect(resumed.trainer.step == 40)
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })
        #expect(history.epochs.map(\.learningRate) == full.epochs.map(\.learningRate))
    }

    @Test func dropoutGeneratorsAreSavedWithoutBeingListed() throws {
        let reference = ResumableRun(folder: temporaryFolder("dropout-ref"), everySteps: nil, listGenerators: false)
        #expect(reference.trainer.randomGenerators.count == 1)
        _ = try reference.fit()
        let folder = temporaryFolder("dropout-interrupted")
        _ = try ResumableRun(folder: folder, everySteps: nil, extra: [InterruptAt(step: 13)], listGenerators: false)
            .fit()
        let resumed = ResumableRun(folder: folder, everySteps: nil, initSeed: 99, listGenerators: false)
        try resumed.checkpoint.store.restore(resumed.trainer)
        _ = try resumed.fit()
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })

        // A run with another number of random generators is refused, naming the trainer state.
        let other = ResumableRun(folder: folder, everySteps: nil, listGenerators: false)
        other.trainer.generators = [RandomGenerator(seed: 1)]
        #expect { try other.checkpoint.store.restore(other.trainer) } throws: { error in
            let e = error as? DescentError
            return e?.location.hasSuffix("trainer.json") == true
                && e?.reason.contains("random generator states") == true
        }
    }

    @Test func killedRunResumesFromTheLastPeriodicCheckpoint() throws {
        let reference = ResumableRun(folder: temporaryFolder("ref"), everySteps: nil)
        _ = try reference.fit()

        // A kill at step 27 leaves what the store held then: the checkpoint of step 24 (every 8 steps).
        let folder = temporaryFolder("killed"), survivor = temporaryFolder("survivor")
        let kill = InterruptAt(step: 27)
        kill.action = { state in
            try! FileManager.default.removeItem(at: survivor)
            try! FileManager.default.copyItem(at: folder, to: survivor)
            state.stop(reason: "killed", immediately: true)
        }
        _ = try ResumableRun(folder: folder, everySteps: 8, extra: [kill]).fit()
        let store = CheckpointStore(directory: survivor)
        #expect(try store.latest()?.lastPathComponent == "step-00000024")
        let names = try FileManager.default.contentsOfDirectory(atPath: survivor.path).sorted()
        #expect(names == ["best", "latest", "step-00000020", "step-00000024"])  // keep 2

        let resumed = ResumableRun(folder: survivor, everySteps: 8, initSeed: 5)
        try store.restore(resumed.trainer)
        _ = try resumed.fit()
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func resumingAFinishedRunChangesNothing() throws {
        let folder = temporaryFolder("finished")
        let run = ResumableRun(folder: folder, everySteps: nil)
        _ = try run.fit()
        let again = ResumableRun(folder: folder, everySteps: nil, initSeed: 3)
        try again.checkpoint.store.restore(again.trainer)
        let history = try again.fit()
        #expect(history.epochs.count == 4)
        #expect(zip(again.weights, run.weights).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func restoreErrorsNameTheFile() throws {
        let empty = temporaryFolder("empty")
        let run = ResumableRun(folder: empty, everySteps: nil)
        #expect(throws: DescentError.self) { try run.checkpoint.store.restore(run.trainer) }
        do {
            try run.checkpoint.store.restore(run.trainer)
        } catch let e as DescentError {
            #expect(e.description.contains("holds no checkpoint"))
        }
        // A checkpoint of a different model is refused, naming the weights file.
        let folder = temporaryFolder("other")
        let other = Models.mlp([2, 5, 3])
        let trainer = Trainer(model: other, optimizer: SGD(other.parameters(), lr: 0.1))
        try CheckpointStore(directory: folder).save(trainer)
        do {
            try CheckpointStore(directory: folder).restore(run.trainer)
            Issue.record("restoring a mismatched checkpoint succeeded")
        } catch let e as DescentError {
            #expect(e.location.contains("model.safetensors"))
        }
        // A damaged epoch-start snapshot is refused at restore (not at the rollback), naming its file.
        let rollbackFolder = temporaryFolder("epoch-start")
        let interrupted = ResumableRun(
            folder: rollbackFolder, everySteps: nil, extra: [InterruptAt(step: 13)], policy: .rollback)
        _ = try interrupted.fit()
        let start = try #require(try CheckpointStore(directory: rollbackFolder).latest()).appendingPathComponent(
            "epoch-start")
        try other.saveWeights(to: start.appendingPathComponent("model.safetensors"))
        let resumed = ResumableRun(folder: rollbackFolder, everySteps: nil, policy: .rollback)
        do {
            try resumed.checkpoint.store.restore(resumed.trainer)
            Issue.record("restoring a damaged epoch-start snapshot succeeded")
        } catch let e as DescentError {
            #expect(e.location.hasSuffix("epoch-start/model.safetensors"))
            #expect(e.reason == "does not hold the tensors of the model being resumed")
        }
    }

    @Test func checkpointFilesKeepTheirNamesAndOlderCheckpointsStillResume() throws {
        let reference = ResumableRun(folder: temporaryFolder("layout-ref"), everySteps: nil, policy: .rollback)
        _ = try reference.fit()
        let folder = temporaryFolder("layout")
        _ = try ResumableRun(folder: folder, everySteps: nil, extra: [InterruptAt(step: 13)], policy: .rollback).fit()
        let latest = try #require(try CheckpointStore(directory: folder).latest())
        let files = try #require(FileManager.default.subpaths(atPath: latest.path)).sorted()
        #expect(
            files == [
                "callbacks", "callbacks/early_stopping.json", "callbacks/early_stopping.safetensors",
                "callbacks/model_checkpoint.json", "callbacks/non_finite.json", "callbacks/reduce_on_plateau.json",
                "epoch-start", "epoch-start/model.safetensors", "epoch-start/optimizer.json",
                "epoch-start/optimizer.safetensors", "epoch-start/trainer.json",
                "model.safetensors", "optimizer.json", "optimizer.safetensors", "trainer.json",
            ])

        // A checkpoint written before the policies had their own files kept their state in trainer.json.
        let callbacks = latest.appendingPathComponent("callbacks")
        let plateauData = try Data(contentsOf: callbacks.appendingPathComponent("reduce_on_plateau.json"))
        let saved = try JSONFile.decode(ReduceLROnPlateau.self, from: plateauData)
        #expect(saved != ReduceLROnPlateau(patience: 0, threshold: 0.5))  // epoch 1 set its best
        let plateau = try JSONSerialization.jsonObject(with: plateauData)
        let trainerURL = latest.appendingPathComponent("trainer.json")
        var trainer = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: trainerURL)) as? [String: Any])
        trainer["reduceOnPlateau"] = plateau
        trainer["rollbacks"] = 2
        try JSONSerialization.data(withJSONObject: trainer).write(to: trainerURL)
        try FileManager.default.removeItem(at: callbacks.appendingPathComponent("reduce_on_plateau.json"))
        try FileManager.default.removeItem(at: callbacks.appendingPathComponent("non_finite.json"))

        let resumed = ResumableRun(folder: folder, everySteps: nil, initSeed: 99, policy: .rollback)
        try resumed.checkpoint.store.restore(resumed.trainer)
        #expect(resumed.trainer.callbacks.compactMap { ($0 as? PlateauScheduler)?.detector } == [saved])
        #expect(resumed.trainer.callbacks.compactMap { ($0 as? NonFiniteLossGuard)?.rollbacks } == [2])
        _ = try resumed.fit()
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func aTrainerSavedAfterAnInterruptionResumes() throws {
        let reference = ResumableRun(folder: temporaryFolder("saved-ref"), everySteps: nil)
        _ = try reference.fit()
        let first = ResumableRun(folder: temporaryFolder("saved-run"), everySteps: nil, extra: [InterruptAt(step: 13)])
        _ = try first.fit()
        let folder = temporaryFolder("saved")
        try CheckpointStore(directory: folder).save(first.trainer)  // between runs of fit, not by ModelCheckpoint
        let resumed = ResumableRun(folder: folder, everySteps: nil, initSeed: 99)
        try resumed.checkpoint.store.restore(resumed.trainer)
        #expect(resumed.trainer.progress.stopReason == nil && resumed.trainer.step == 13)
        _ = try resumed.fit()
        #expect(zip(resumed.weights, reference.weights).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func noCheckpointIsWrittenFromNonFiniteWeights() throws {
        let folder = temporaryFolder("nonfinite")
        let model = Models.mlp([2, 3])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        var lines: [String] = []
        trainer.callbacks = [ModelCheckpoint(store: CheckpointStore(directory: folder))]
        try trainer.fit(DataLoader(blobs(count: 20, seed: 1), batchSize: 10), epochs: 1)
        let good = try CheckpointStore(directory: folder).latest()
        #expect(good?.lastPathComponent == "step-00000002")
        model.parameters()[0].assignInPlace(Tensor.full(model.parameters()[0].shape, .nan))
        let checkpoint = ModelCheckpoint(store: CheckpointStore(directory: folder), log: { lines.append($0) })
        var state = trainer.makeState(epochs: 2, stepsPerEpoch: 2, validation: nil)
        checkpoint.epochDidEnd(
            &state, log: EpochLog(epoch: 2, trainLoss: 1, learningRate: 0.1, seconds: 1, samplesPerSecond: 1))
        #expect(try CheckpointStore(directory: folder).latest() == good)
        #expect(lines.count == 1 && lines[0].contains("not finite"))
    }
}
