import Descent
import DescentData
import Foundation

/// One GAN training step per batch (PyTorch's DCGAN example, with logits): the generator makes a fake batch
/// once; the discriminator steps on the real batch and the detached fake batch,
///
///     L_D = BCEWithLogits(D(x), 1) + BCEWithLogits(D(G(z)), 0),
///
/// then the generator steps through the updated discriminator with the non-saturating loss
///
///     L_G = BCEWithLogits(D(G(z)), 1) = −mean log σ(D(G(z))).
///
/// Real images come in [0, 1] and are scaled to [−1, 1] (the generator's Tanh range). The noise z ~ N(0, 1) and,
/// for a conditional pair, the classes asked of the generator (uniform) are drawn from ``noise``, which the
/// trainer saves and restores with its other random generators. The primary model of the ``TrainingStep`` is
/// the generator. The epoch's sums and the per-epoch history are part of the checkpoint (`gan.json`), so a
/// resumed run continues bit for bit.
public final class GANStep: TrainingStep {
    /// The generator G.
    public let generator: DCGANGenerator
    /// The discriminator D.
    public let discriminator: DCGANDiscriminator
    /// The generator's optimizer.
    public let generatorOptimizer: any Optimizer
    /// The discriminator's optimizer.
    public let discriminatorOptimizer: any Optimizer
    /// Draws the noise and the fake batch's classes.
    public let noise: RandomGenerator
    /// Seed of the fake batches that ``evaluate(_:)`` draws (a generator of its own, so that evaluating leaves
    /// the training draws alone).
    public var evaluationSeed: UInt64 = 7_919
    /// Sums of the current epoch.
    public var epoch = GANEpochSums()
    /// The completed epochs.
    public var history: [GANEpochLog] = []
    /// Step figures kept every few steps (``GANMonitor``), for the report's curves.
    public var trace: [GANTracePoint] = []
    /// The figures of the last step.
    public private(set) var last: Outcome?

    /// The generator: evaluated through the discriminator, and its optimizer is the primary one.
    public var model: Module { generator }
    /// The generator's optimizer.
    public var optimizer: any Optimizer { generatorOptimizer }

    /// A step training `generator` and `discriminator` with their optimizers, drawing noise from `noise`.
    public init(
        generator: DCGANGenerator, discriminator: DCGANDiscriminator, generatorOptimizer: any Optimizer,
        discriminatorOptimizer: any Optimizer, noise: RandomGenerator
    ) {
        precondition(generator.classes == discriminator.classes, "GANStep: the pair must have the same classes")
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.noise = noise
    }

    /// The figures of one step.
    public struct Outcome: Sendable {
        /// `BCEWithLogits(D(x), 1)`.
        public var lossDReal: Double
        /// `BCEWithLogits(D(G(z)), 0)` (before D's update).
        public var lossDFake: Double
        /// `lossDReal + lossDFake`.
        public var lossD: Double { lossDReal + lossDFake }
        /// `BCEWithLogits(D(G(z)), 1)` after D's update.
        public var lossG: Double
        /// Mean `σ(D(x))`.
        public var dReal: Double
        /// Mean `σ(D(G(z)))` before D's update.
        public var dFake: Double
        /// Mean `σ(D(G(z)))` after D's update (what G's loss saw).
        public var dFakeAfter: Double
    }

    /// Noise `[n, latent]` and, for a conditional pair, `n` uniform classes drawn from ``noise``.
    public func drawNoise(_ n: Int) -> (noise: Tensor, labels: [Int]) {
        let z = noise.normal([n, generator.latent])
        let labels = generator.classes > 0 ? (0..<n).map { _ in noise.integer(in: 0..<generator.classes) } : []
        return (z, labels)
    }

    /// One step on `real` images in [−1, 1] with their `labels` (used by a conditional pair), given the noise and
    /// the fake classes. `afterBackward(model, optimizer)` runs after each backward pass; when it returns false
    /// that optimizer's step is skipped and the step ends there (returning `nil`).
    public func update(
        real: Tensor, labels: [Int], noise z: Tensor, fakeLabels: [Int],
        afterBackward: (Module, any Optimizer) throws -> Bool = { _, _ in true }
    ) throws -> Outcome? {
        let bce = BCEWithLogitsLoss()
        let fake = generator(noise: z, labels: fakeLabels)
        discriminatorOptimizer.zeroGrad()
        let realLogits = discriminator(real, labels: labels)
        let lossReal = bce(realLogits, Tensor.ones(realLogits.shape))
        let fakeLogits = discriminator(fake.detach(), labels: fakeLabels)
        let lossFake = bce(fakeLogits, Tensor.zeros(fakeLogits.shape))
        (lossReal + lossFake).backward()
        guard try afterBackward(discriminator, discriminatorOptimizer) else { return nil }
        discriminatorOptimizer.step()

        generatorOptimizer.zeroGrad()
        let generatorLogits = discriminator(fake, labels: fakeLabels)
        let lossG = bce(generatorLogits, Tensor.ones(generatorLogits.shape))
        lossG.backward()
        guard try afterBackward(generator, generatorOptimizer) else { return nil }
        generatorOptimizer.step()
        discriminator.zeroGrad()
        return Outcome(
            lossDReal: Double(lossReal.item), lossDFake: Double(lossFake.item), lossG: Double(lossG.item),
            dReal: Double(realLogits.detach().sigmoid().mean().item),
            dFake: Double(fakeLogits.detach().sigmoid().mean().item),
            dFakeAfter: Double(generatorLogits.detach().sigmoid().mean().item))
    }

    /// Draws the noise, runs ``update(real:labels:noise:fakeLabels:afterBackward:)`` with the trainer's hooks
    /// (the state's loss is the discriminator's, then the generator's), and adds the figures to ``epoch``.
    public func train(on batch: Batch, state: inout TrainingState, hooks: TrainingHooks) throws {
        guard batch.count > 0 else { return }
        let real = batch.inputs * 2 - 1
        let labels = generator.classes > 0 ? try Self.labels(of: batch, classes: generator.classes) : []
        let (z, fakeLabels) = drawNoise(batch.count)
        var hookState = state
        let outcome = try update(real: real, labels: labels, noise: z, fakeLabels: fakeLabels) { model, optimizer in
            return try hooks.backwardDidEnd(&hookState, model: model, optimizer: optimizer)
        }
        state = hookState
        guard let outcome else { return }
        last = outcome
        epoch.add(outcome, samples: batch.count)
        state.loss = Float(outcome.lossD)
        state.record(loss: Float(outcome.lossD), batch: batch, output: nil)
    }

    /// The batch's labels, checked to lie in `0..<classes`.
    static func labels(of batch: Batch, classes: Int) throws -> [Int] {
        guard let labels = batch.labels else {
            throw DescentError(.argument, "gan", "a conditional GAN needs class labels, and the data has none")
        }
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw DescentError(.argument, "gan", "label \(bad) is outside the \(classes) classes of the generator")
        }
        return labels
    }

    /// The discriminator on `data` (eval mode, no gradients) against as many fakes (drawn with
    /// ``evaluationSeed``): the loss is `L_D` per sample, and the classification is real (1) against fake (0),
    /// its accuracy the share of real images with `D(x) > 0` and fakes with `D(G(z)) ≤ 0`.
    public func evaluate(_ data: DataLoader) throws -> Evaluation {
        let draws = RandomGenerator(seed: evaluationSeed)
        let modes = [generator, discriminator].map { ($0, $0.isTraining) }
        _ = generator.eval()
        _ = discriminator.eval()
        defer { for (m, mode) in modes { _ = m.train(mode) } }
        var metrics = ClassificationMetrics(classes: 2)
        var lossSum = 0.0, count = 0
        let bce = BCEWithLogitsLoss(reduction: .sum)
        try withNoGrad {
            var batches = data.epoch(0).makeIterator()
            while let batch = try batches.nextBatch() {
                let n = batch.count
                guard n > 0 else { continue }
                let labels = generator.classes > 0 ? try Self.labels(of: batch, classes: generator.classes) : []
                let z = draws.normal([n, generator.latent])
                let fakeLabels =
                    generator.classes > 0 ? (0..<n).map { _ in draws.integer(in: 0..<generator.classes) } : []
                let realLogits = discriminator(batch.inputs * 2 - 1, labels: labels)
                let fakeLogits = discriminator(generator(noise: z, labels: fakeLabels), labels: fakeLabels)
                let loss =
                    bce(realLogits, Tensor.ones([n])).item + bce(fakeLogits, Tensor.zeros([n])).item
                lossSum += Double(loss)
                count += n
                let logits = Tensor.concatenate([realLogits, fakeLogits]).reshaped([2 * n, 1])
                let twoColumns = Tensor.concatenate([Tensor.zeros([2 * n, 1]), logits], axis: 1)
                metrics.add(
                    logits: twoColumns, labels: Array(repeating: 1, count: n) + Array(repeating: 0, count: n),
                    meanLoss: loss / Float(2 * n))
            }
        }
        return Evaluation(loss: lossSum / Double(max(count, 1)), classification: metrics, samples: 2 * count)
    }

    /// `gan`: the pair's weights and optimizers, the epoch's sums and the history.
    public var checkpointKey: String { "gan" }

    /// Writes `generator.safetensors`, `discriminator.safetensors`, `optimizer_g.*`, `optimizer_d.*` and
    /// `gan.json`.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.writeWeights(of: generator, to: "generator.safetensors")
        try folder.writeWeights(of: discriminator, to: "discriminator.safetensors")
        try folder.writeOptimizer(generatorOptimizer.stateDict(), prefix: "optimizer_g")
        try folder.writeOptimizer(discriminatorOptimizer.stateDict(), prefix: "optimizer_d")
        try folder.write(GANProgress(epoch: epoch, history: history, trace: trace), to: "gan.json")
    }

    /// Loads what ``writeCheckpoint(to:state:)`` wrote (errors name the file).
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        try folder.readWeights(into: generator, from: "generator.safetensors")
        try folder.readWeights(into: discriminator, from: "discriminator.safetensors")
        try folder.readOptimizer(into: generatorOptimizer, prefix: "optimizer_g")
        try folder.readOptimizer(into: discriminatorOptimizer, prefix: "optimizer_d")
        let progress = try folder.read(GANProgress.self, from: "gan.json")
        (epoch, history, trace) = (progress.epoch, progress.history, progress.trace)
    }
}

/// What `gan.json` in a checkpoint holds.
struct GANProgress: Codable {
    var epoch: GANEpochSums
    var history: [GANEpochLog]
    var trace: [GANTracePoint]
}
