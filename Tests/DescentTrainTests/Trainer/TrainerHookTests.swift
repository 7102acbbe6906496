import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// A data-parallel all-reduce as the hook after backward would run it: each gradient becomes the mean of this
/// rank's and a peer's (`peer` gives the peer's gradient for a local one).
final class SimulatedAllReduce: TrainingCallback {
    let peer: (Tensor) -> Tensor
    var calls = 0, gradientsSeen = 0
    init(peer: @escaping (Tensor) -> Tensor) { self.peer = peer }
    func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) {
        calls += 1
        for p in optimizer.parameters {
            guard let g = p.grad else { continue }
            gradientsSeen += 1
            p.grad = (g + peer(g)) * 0.5
        }
    }
}

/// A hyper-parameter search trial's view of a run: prunes it after `budget` steps when the running training loss
/// is above `threshold`, and reports the trial's result when training ends.
final class TrialReport: TrainingCallback {
    struct Result: Equatable { var steps: Int, epochs: Int, loss: Double, pruned: Bool }
    let budget: Int, threshold: Double
    private(set) var result: Result?
    init(budget: Int, threshold: Double) { (self.budget, self.threshold) = (budget, threshold) }
    func stepDidEnd(_ state: inout TrainingState) {
        if state.step == budget, state.epochLoss > threshold {
            state.stop(
                reason: "trial pruned at step \(budget): train loss \(state.epochLoss) > \(threshold)",
                immediately: true)
        }
    }
    func trainingDidEnd(_ state: inout TrainingState) {
        let loss = state.history.epochs.last?.trainLoss ?? state.epochLoss
        result = Result(
            steps: state.step, epochs: state.completedEpochs, loss: loss,
            pruned: state.stopReason?.hasPrefix("trial pruned") == true)
    }
}

@Suite struct TrainerHookTests {
    func sgdRun(lr: Double, callbacks: [any TrainingCallback]) throws -> (Trainer, [Tensor]) {
        let model = Models.mlp([2, 8, 3], generator: RandomGenerator(seed: 4))
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: lr))
        trainer.callbacks += callbacks
        try trainer.fit(DataLoader(blobs(count: 60, seed: 1), batchSize: 10, shuffle: true, seed: 2), epochs: 2)
        return (trainer, model.parameters())
    }

    @Test func gradientAllReduceBetweenBackwardAndTheStep() throws {
        // A peer with the same gradients: the mean is the local gradient, so the weights equal a plain run's.
        let same = SimulatedAllReduce(peer: { $0 })
        let (_, plain) = try sgdRun(lr: 0.1, callbacks: [])
        let (_, averaged) = try sgdRun(lr: 0.1, callbacks: [same])
        #expect(same.calls == 12 && same.gradientsSeen == 12 * 4)  // 6 batches × 2 epochs, 4 parameters
        #expect(zip(plain, averaged).allSatisfy { $0.isBitwiseEqual($1) })
        // A peer with zero gradients halves them: plain SGD at half the rate, bit for bit.
        let zero = SimulatedAllReduce(peer: { Tensor.zeros($0.shape) })
        let (_, halved) = try sgdRun(lr: 0.1, callbacks: [zero])
        let (_, halfRate) = try sgdRun(lr: 0.05, callbacks: [])
        #expect(zip(halved, halfRate).allSatisfy { $0.isBitwiseEqual($1) })
        #expect(!zip(halved, plain).allSatisfy { $0.isBitwiseEqual($1) })
    }

    @Test func trialIsPrunedAfterItsBudgetAndReportsItsResult() throws {
        let pruned = TrialReport(budget: 4, threshold: 0)  // every loss is above 0
        let (prunedTrainer, _) = try sgdRun(lr: 0.1, callbacks: [pruned])
        #expect(prunedTrainer.step == 4 && prunedTrainer.interrupted)
        let result = try #require(pruned.result)
        #expect(result.pruned && result.steps == 4 && result.epochs == 0)
        #expect(prunedTrainer.history.stoppedEarly?.hasPrefix("trial pruned at step 4: train loss") == true)

        let kept = TrialReport(budget: 4, threshold: 1e9)
        let (keptTrainer, _) = try sgdRun(lr: 0.1, callbacks: [kept])
        #expect(
            kept.result
                == TrialReport.Result(
                    steps: 12, epochs: 2, loss: keptTrainer.history.epochs[1].trainLoss, pruned: false))
    }

    @Test func gradientClippingCallbackClipsBeforeTheStep() throws {
        // Clipping every element to 0 leaves the weights where they started.
        let model = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 2))
        let start = model.parameters().map { $0.detach().scalars }
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        trainer.callbacks.append(GradientClipping(maxValue: 0))
        try trainer.fit(DataLoader(blobs(count: 20, seed: 1), batchSize: 10), epochs: 1)
        #expect(model.parameters().map(\.scalars) == start)
        #expect(trainer.step == 2)
    }

    @Test func perStepScheduleSetsTheRateOfTheNextStep() throws {
        let model = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 5))
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        trainer.callbacks.append(LearningRateScheduler(StepLR(baseLR: 0.1, stepSize: 2, gamma: 0.5), everyStep: true))
        let history = try trainer.fit(DataLoader(blobs(count: 30, seed: 1), batchSize: 10), epochs: 2)  // 6 steps
        #expect(history.epochs.map(\.learningRate).map { ($0 * 1e6).rounded() / 1e6 } == [0.05, 0.0125])
    }
}
