import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Two Gaussian blobs per class in 2-D, linearly separable: a small MLP must learn them.
func blobs(count: Int, seed: UInt64) -> TensorDataset {
    let g = RandomGenerator(seed: seed)
    let noise = g.normal([count, 2], std: 0.3)
    var x = [Float](repeating: 0, count: count * 2)
    var labels: [Int] = []
    let centres: [(Float, Float)] = [(-2, -2), (2, 2), (-2, 2)]
    for i in 0..<count {
        let c = i % 3
        labels.append(c)
        x[2 * i] = centres[c].0 + noise.scalars[2 * i]
        x[2 * i + 1] = centres[c].1 + noise.scalars[2 * i + 1]
    }
    return TensorDataset(inputs: Tensor(x, shape: [count, 2]), labels: labels)
}

final class RecordingCallback: TrainingCallback {
    var steps = 0, epochs: [Int] = [], began = false, ended = false
    func trainingWillBegin(_ state: inout TrainingState) { began = true }
    func stepDidEnd(_ state: inout TrainingState) { steps = state.step }
    func epochDidEnd(_ state: inout TrainingState, log: EpochLog) { epochs.append(log.epoch) }
    func trainingDidEnd(_ state: inout TrainingState) { ended = true }
}

@Suite struct TrainerTests {
    @Test func learnsSeparableBlobsAndCallsHooks() throws {
        let model = Models.mlp([2, 16, 3], generator: RandomGenerator(seed: 1))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 0.05))
        let recorder = RecordingCallback()
        trainer.callbacks = [recorder]
        let train = DataLoader(blobs(count: 300, seed: 2), batchSize: 32, shuffle: true, seed: 3)
        let validation = DataLoader(blobs(count: 90, seed: 4), batchSize: 45)
        let history = try trainer.fit(train, validation: validation, epochs: 5)
        #expect(history.epochs.count == 5)
        #expect(recorder.began && recorder.ended)
        #expect(recorder.epochs == [1, 2, 3, 4, 5])
        #expect(recorder.steps == 5 * 10)
        #expect(history.epochs.last!.trainLoss < history.epochs.first!.trainLoss)
        let test = try trainer.evaluate(DataLoader(blobs(count: 150, seed: 5), batchSize: 64))
        #expect(test.accuracy! > 0.95)
        #expect(model.isTraining)  // evaluate restores the mode
    }

    @Test func sameSeedGivesBitwiseSameWeights() throws {
        func run() throws -> [Tensor] {
            let model = Models.mlp([2, 8, 3], generator: RandomGenerator(seed: 9))
            let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1, momentum: 0.9))
            try trainer.fit(
                DataLoader(blobs(count: 120, seed: 2), batchSize: 16, shuffle: true, seed: 7, workers: 2),
                epochs: 2)
            return model.parameters()
        }
        let a = try run(), b = try run()
        #expect(zip(a, b).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func scheduleIsAppliedPerEpoch() throws {
        let model = Models.mlp([2, 4, 3])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        trainer.callbacks.append(LearningRateScheduler(StepLR(baseLR: 0.1, stepSize: 1, gamma: 0.5)))
        let history = try trainer.fit(DataLoader(blobs(count: 30, seed: 1), batchSize: 10), epochs: 3)
        #expect(history.epochs.map(\.learningRate).map { ($0 * 1e6).rounded() / 1e6 } == [0.05, 0.025, 0.0125])
    }

    @Test func nonFiniteLossStopsWithTheStep() throws {
        let model = Models.mlp([2, 4, 3])
        let trainer = Trainer(
            model: model, optimizer: SGD(model.parameters(), lr: 0.1),
            objective: .custom { out, _ in out.sum() * Float.nan })
        let history = try trainer.fit(DataLoader(blobs(count: 30, seed: 1), batchSize: 10), epochs: 2)
        #expect(history.stoppedEarly?.contains("step 1") == true)
        #expect(history.epochs.isEmpty)
    }
}

@Suite struct EarlyStoppingTests {
    final class FakeLogs: TrainingCallback {}

    @Test func stopsAfterPatienceAndRestoresBestWeights() {
        let model = Models.mlp([2, 3])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        let stopper = EarlyStopping(monitor: .validationLoss, patience: 1, restoreBestWeights: true)
        func log(_ epoch: Int, _ v: Double) -> EpochLog {
            EpochLog(epoch: epoch, trainLoss: 1, validationLoss: v, learningRate: 0.1, seconds: 1, samplesPerSecond: 1)
        }
        let weight = model.parameters()[0]
        weight.assignInPlace(Tensor.full(weight.shape, 1))
        var state = trainer.makeState(epochs: 3, stepsPerEpoch: 1, validation: nil)
        stopper.epochDidEnd(&state, log: log(1, 0.5))  // best
        weight.assignInPlace(Tensor.full(weight.shape, 2))
        stopper.epochDidEnd(&state, log: log(2, 0.6))  // 1 stale epoch: within patience
        #expect(state.stopReason == nil)
        stopper.epochDidEnd(&state, log: log(3, 0.7))  // 2 stale epochs: stop
        #expect(state.stopReason?.hasPrefix("early stopping: val_loss has not improved for 2 epochs") == true)
        stopper.trainingDidEnd(&state)
        #expect(stopper.best?.epoch == 1)
        #expect(state.history.restoredEpoch == 1)
        #expect(model.parameters()[0].scalars.allSatisfy { $0 == 1 })
    }
}
