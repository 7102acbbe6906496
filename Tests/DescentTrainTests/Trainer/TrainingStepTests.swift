import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// A least-squares GAN as a ``TrainingStep``: per batch the discriminator steps on real and generated points,
/// then the generator steps to fool it; each update meets the hooks after backward. It checkpoints both models
/// and both optimizers.
final class TwoModelStep: TrainingStep {
    let generator: Module, discriminator: Module
    let generatorOptimizer: any Optimizer, discriminatorOptimizer: any Optimizer
    let noise: RandomGenerator

    init(seed: UInt64, noise: RandomGenerator) {
        generator = Sequential(
            Linear(2, 8, generator: RandomGenerator(seed: seed)), ReLU(),
            Linear(8, 2, generator: RandomGenerator(seed: seed + 1)))
        discriminator = Sequential(
            Linear(2, 8, generator: RandomGenerator(seed: seed + 2)), ReLU(),
            Linear(8, 1, generator: RandomGenerator(seed: seed + 3)))
        generatorOptimizer = Adam(generator.parameters(), lr: 0.01)
        discriminatorOptimizer = Adam(discriminator.parameters(), lr: 0.01)
        self.noise = noise
    }

    var model: Module { generator }
    var optimizer: any Optimizer { generatorOptimizer }

    func train(on batch: Batch, state: inout TrainingState, hooks: TrainingHooks) throws {
        let n = batch.count, z = noise.normal([n, 2])
        discriminatorOptimizer.zeroGrad()
        let fake = generator(z).detach()
        let dLoss =
            mseLoss(discriminator(batch.inputs), Tensor.ones([n, 1]))
            + mseLoss(discriminator(fake), Tensor.zeros([n, 1]))
        state.loss = dLoss.item
        dLoss.backward()
        guard try hooks.backwardDidEnd(&state, model: discriminator, optimizer: discriminatorOptimizer) else { return }
        discriminatorOptimizer.step()

        generatorOptimizer.zeroGrad()
        let gLoss = mseLoss(discriminator(generator(z)), Tensor.ones([n, 1]))
        state.loss = gLoss.item
        gLoss.backward()
        guard try hooks.backwardDidEnd(&state, model: generator, optimizer: generatorOptimizer) else { return }
        generatorOptimizer.step()
        state.record(loss: state.loss, batch: batch, output: nil)
    }

    func evaluate(_ data: DataLoader) throws -> Evaluation {
        try withNoGrad {
            var sum = 0.0, count = 0
            var batches = data.epoch(0).makeIterator()
            while let batch = try batches.nextBatch() {
                let d = discriminator(batch.inputs)
                sum += Double(mseLoss(d, Tensor.ones(d.shape)).item) * Double(batch.count)
                count += batch.count
            }
            return Evaluation(loss: sum / Double(max(count, 1)))
        }
    }

    var checkpointKey: String { "gan" }

    func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.writeWeights(of: generator, to: "generator.safetensors")
        try folder.writeWeights(of: discriminator, to: "discriminator.safetensors")
        try folder.writeOptimizer(generatorOptimizer.stateDict(), prefix: "generator_optimizer")
        try folder.writeOptimizer(discriminatorOptimizer.stateDict(), prefix: "discriminator_optimizer")
    }

    func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        try folder.readWeights(into: generator, from: "generator.safetensors")
        try folder.readWeights(into: discriminator, from: "discriminator.safetensors")
        try folder.readOptimizer(into: generatorOptimizer, prefix: "generator_optimizer")
        try folder.readOptimizer(into: discriminatorOptimizer, prefix: "discriminator_optimizer")
    }

    var weights: [Tensor] { generator.stateDict().map(\.1) + discriminator.stateDict().map(\.1) }
}

/// Counts the updates the hooks after backward see, per model.
final class UpdateCounter: TrainingCallback {
    var models: [ObjectIdentifier: Int] = [:]
    func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) {
        models[ObjectIdentifier(model), default: 0] += 1
    }
}

@Suite struct TrainingStepTests {
    /// A GAN run: the two-model step in the ordinary loop, with the default callbacks, a counter and checkpoints.
    final class GANRun {
        let noise = RandomGenerator(seed: 11)
        let step: TwoModelStep
        let trainer: Trainer
        let counter = UpdateCounter()
        let checkpoint: ModelCheckpoint
        let data = DataLoader(blobs(count: 40, seed: 3), batchSize: 8, shuffle: true, seed: 6)

        init(folder: URL, seed: UInt64 = 1, extra: [any TrainingCallback] = []) {
            step = TwoModelStep(seed: seed, noise: noise)
            trainer = Trainer(step: step)
            trainer.generators = [noise]
            checkpoint = ModelCheckpoint(
                store: CheckpointStore(directory: folder), policy: CheckpointPolicy(everyEpochs: 1, saveBest: false))
            trainer.callbacks += [counter] + extra + [checkpoint]
        }

        func fit() throws -> History { try trainer.fit(data, validation: data, epochs: 3) }
    }

    @Test func twoModelsAndTwoOptimizersTrainInTurnAndResumeBitwise() throws {
        let reference = GANRun(folder: temporaryFolder("gan-ref"))
        let before = reference.step.weights.map(\.scalars)
        let full = try reference.fit()
        #expect(full.epochs.count == 3 && reference.trainer.step == 15)
        #expect(
            reference.counter.models == [
                ObjectIdentifier(reference.step.discriminator): 15,
                ObjectIdentifier(reference.step.generator): 15,
            ])
        #expect(zip(reference.step.weights, before).allSatisfy { $0.scalars != $1 })  // both models moved
        #expect(full.epochs.allSatisfy { $0.validationLoss?.isFinite == true })

        let folder = temporaryFolder("gan-interrupted")
        let first = GANRun(folder: folder, extra: [InterruptAt(step: 7)])
        _ = try first.fit()
        #expect(first.trainer.interrupted && first.trainer.step == 7)
        let latest = try #require(try CheckpointStore(directory: folder).latest())
        for name in [
            "generator.safetensors", "discriminator.safetensors", "generator_optimizer.json",
            "discriminator_optimizer.safetensors", "trainer.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: latest.appendingPathComponent(name).path), "missing \(name)")
        }

        let resumed = GANRun(folder: folder, seed: 50)  // other initial weights
        try resumed.checkpoint.store.restore(resumed.trainer)
        let history = try resumed.fit()
        #expect(resumed.trainer.step == 15)
        #expect(zip(resumed.step.weights, reference.step.weights).allSatisfy { $0.isBitwiseEqual($1) })
        #expect(history.epochs.map(\.trainLoss) == full.epochs.map(\.trainLoss))
    }
}
