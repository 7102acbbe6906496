import Descent
import DescentData
import Foundation

/// A GAN training job from a ``GANConfig`` to a run folder — the library side of `descent gan train`:
///
/// ```
/// OUTPUT/
///   config.yaml                  the configuration, every key written out (read back by --resume)
///   gan.json                     the pair's sizes (``GANManifest``), read by `descent gan sample` and `data.generated`
///   generator.safetensors        final weights (PyTorch names: main.0.weight, …)
///   discriminator.safetensors
///   history.json                 per-epoch means and the step trace
///   metrics.json                 the final figures (``GANMetrics``)
///   samples/epoch-NNN.png        fixed-noise grids, one per epoch (a conditional pair: one class per column)
///   report.html, losses.svg, discriminator.svg
///   checkpoints/                 both models, both optimizers, the noise generator's state, the epoch's sums
/// ```
/// Training runs through ``Trainer`` with a ``GANStep``, so checkpoints, Ctrl-C and `--resume` work as for
/// `descent train`, and a resumed run ends bit for bit where an uninterrupted one does.
public struct GANRun {
    /// The configuration.
    public let config: GANConfig
    /// The run folder.
    public let directory: URL
    /// Where progress and summary lines go.
    public var write: (String) -> Void = {
        print($0)
        fflush(nil)
    }

    /// A run of `config` into `directory` (default: the config's `output`).
    public init(config: GANConfig, directory: URL? = nil) {
        self.config = config
        self.directory = directory ?? URL(fileURLWithPath: config.output)
    }

    /// What a run produced.
    public struct Outcome {
        /// The step (both models, optimizers and the history).
        public var step: GANStep
        /// The final figures (`nil` when interrupted).
        public var metrics: GANMetrics?
        /// Whether training was interrupted (the state is checkpointed for `--resume`).
        public var interrupted: Bool
    }

    /// The training images (a seeded subset of `train_samples`) and, when `evaluate_samples` > 0, as many test
    /// images.
    ///
    /// - Throws: ``DescentError`` when the data cannot be loaded.
    public func loadData() throws -> (train: any Dataset, test: (any Dataset)?) {
        let c = config
        let folder = c.directory.map { URL(fileURLWithPath: $0) }
        func subset(_ data: any Dataset, _ count: Int?, salt: UInt64) -> any Dataset {
            guard let count, count < data.count else { return data }
            let order = RandomGenerator(seed: c.seed &+ salt).permutation(data.count)
            return Subset(AnyDataset(data), indices: Array(order.prefix(count)).sorted())
        }
        if c.dataset == .shapes {
            let train = DatasetCatalog.shapes(.train, seed: c.seed, count: c.trainSamples)
            let test =
                c.evaluateSamples > 0 ? DatasetCatalog.shapes(.test, seed: c.seed, count: c.evaluateSamples) : nil
            return (train, test)
        }
        let train = try DatasetCatalog.load(c.dataset, split: .train, directory: folder, download: c.download)
        let test =
            c.evaluateSamples > 0
            ? try DatasetCatalog.load(c.dataset, split: .test, directory: folder, download: c.download) : nil
        return (subset(train, c.trainSamples, salt: 101), test.map { subset($0, c.evaluateSamples, salt: 202) })
    }

    /// The untrained pair and its step: weights drawn from the seed, Adam for each, the noise generator.
    public func makeStep() -> GANStep {
        let c = config, manifest = config.manifest
        let weights = RandomGenerator(seed: c.seed)
        let g = manifest.makeGenerator(generator: weights)
        let d = manifest.makeDiscriminator(generator: weights)
        return GANStep(
            generator: g, discriminator: d,
            generatorOptimizer: Adam(g.parameters(), lr: c.lr, betas: (c.beta1, c.beta2)),
            discriminatorOptimizer: Adam(d.parameters(), lr: c.lr, betas: (c.beta1, c.beta2)),
            noise: RandomGenerator(seed: c.seed, stream: 1))
    }

    /// Trains (continuing from the newest checkpoint when `resume`), then writes the weights, figures, grids and
    /// report. The run stops after the current step, checkpointed, once ``InterruptSignal`` is raised.
    ///
    /// - Throws: ``DescentError`` for data that cannot be loaded or outputs that cannot be written.
    public func start(resume: Bool = false) throws -> Outcome {
        let c = config
        if let threads = c.threads { Backend.threads = threads }
        let (train, test) = try loadData()
        guard train.count >= c.batchSize else {
            throw DescentError(
                .config, c.sources.location("data.batch_size"),
                "\(c.batchSize) is more than the \(train.count) training images")
        }
        let loader = DataLoader(
            train, batchSize: .size(c.batchSize), shuffle: true, dropLast: true, seed: c.seed, workers: c.workers)
        let step = makeStep()
        let trainer = Trainer(step: step)
        trainer.generators = [step.noise]
        let store = CheckpointStore(directory: directory.appendingPathComponent("checkpoints"))
        let checkpoint = ModelCheckpoint(
            store: store,
            policy: CheckpointPolicy(
                everyEpochs: 1, everySteps: c.checkpointEverySteps, keep: c.checkpointKeep, saveBest: false))
        let monitor = GANMonitor(
            step: step, samples: c.gridSamples, seed: c.seed &+ 303,
            samplesFolder: directory.appendingPathComponent("samples"), logEvery: c.logEvery, write: write)
        trainer.callbacks = [NonFiniteLossGuard(), InterruptCheck(), monitor, checkpoint]

        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, directory.path, "cannot create the output folder: \(error.localizedDescription)")
        }
        try AtomicFile.write(Data(c.yaml.utf8), to: directory.appendingPathComponent("config.yaml"))
        try c.manifest.write(to: directory)
        let g = step.generator, d = step.discriminator
        write(
            "descent gan train: \(c.dataset.rawValue), \(train.count) images, batch \(c.batchSize), "
                + "\(c.classes > 0 ? "conditional (\(c.classes) classes)" : "unconditional"), "
                + "G \(g.parameterCount) parameters, D \(d.parameterCount) parameters, Adam lr \(c.lr) β (\(c.beta1), \(c.beta2))"
        )
        if resume {
            if let latest = try store.latest() {
                try store.restore(trainer, from: latest)
                write("resuming from \(latest.path) (step \(trainer.step), epoch \(trainer.completedEpochs + 1))")
            } else {
                write("no checkpoint in \(store.directory.path) yet: starting from the beginning")
            }
        }
        try trainer.fit(loader, epochs: c.epochs, maxSteps: c.maxSteps)
        if let error = checkpoint.error { throw error }
        if trainer.interrupted {
            write("interrupted at step \(trainer.step); the state is saved in \(store.directory.path)")
            write("continue with: descent gan train CONFIG --resume")
            return Outcome(step: step, metrics: nil, interrupted: true)
        }
        try g.saveWeights(to: directory.appendingPathComponent(GANManifest.generatorFile))
        try d.saveWeights(to: directory.appendingPathComponent(GANManifest.discriminatorFile))
        try AtomicFile.write(
            try JSONFile.encode(GANHistory(epochs: step.history, trace: step.trace)),
            to: directory.appendingPathComponent("history.json"))

        var metrics = GANMetrics(
            steps: trainer.step, epochs: step.history.count,
            seconds: step.history.reduce(0) { $0 + $1.seconds })
        metrics.sampleVariance = GANSampler.pixelVariance(monitor.samples())
        if let test {
            let evaluation = try step.evaluate(DataLoader(test, batchSize: .size(256)))
            metrics.discriminatorAccuracy = evaluation.accuracy
            metrics.discriminatorLoss = evaluation.loss
            metrics.evaluatedImages = test.count
        }
        try AtomicFile.write(try JSONFile.encode(metrics), to: directory.appendingPathComponent("metrics.json"))
        if c.report {
            try GANReport(
                title: "descent gan train: \(c.dataset.rawValue)", history: step.history, trace: step.trace,
                metrics: metrics, config: c.yaml
            ).write(to: directory)
        }
        write(metrics.summary)
        write("outputs in \(directory.path)")
        return Outcome(step: step, metrics: metrics, interrupted: false)
    }
}

/// A GAN run's `history.json`.
public struct GANHistory: Codable, Sendable, Equatable {
    /// Per-epoch means.
    public var epochs: [GANEpochLog]
    /// Step figures every `log_every` steps.
    public var trace: [GANTracePoint]
}

/// A GAN run's `metrics.json`.
public struct GANMetrics: Codable, Sendable, Equatable {
    /// Optimizer steps (each one D and one G update).
    public var steps: Int
    /// Epochs trained.
    public var epochs: Int
    /// Seconds of training.
    public var seconds: Double
    /// `mean_p var_n x[n, p]` over the fixed-noise grid's samples (``GANSampler/pixelVariance(_:)``).
    public var sampleVariance: Double?
    /// The discriminator's accuracy on held-out real test images against as many fakes (eval mode).
    public var discriminatorAccuracy: Double?
    /// Its `L_D` per image on them.
    public var discriminatorLoss: Double?
    /// Real test images evaluated.
    public var evaluatedImages: Int?

    /// Figures of a run of `steps` steps.
    public init(steps: Int, epochs: Int, seconds: Double) {
        (self.steps, self.epochs, self.seconds) = (steps, epochs, seconds)
    }

    /// One line with the figures.
    public var summary: String {
        var parts = [String(format: "%d steps in %.1f s", steps, seconds)]
        if let a = discriminatorAccuracy, let n = evaluatedImages {
            parts.append(
                String(format: "D accuracy real vs fake %.2f%% (%d real + %d fake test images)", 100 * a, n, n))
        }
        if let v = sampleVariance { parts.append(String(format: "sample pixel variance %.4f", v)) }
        return parts.joined(separator: "; ")
    }
}
