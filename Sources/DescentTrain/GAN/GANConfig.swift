import Descent
import DescentData
import Foundation

/// A GAN training job as a YAML or JSON file (`descent gan train CONFIG`), read strictly like
/// ``TrainingConfig`` (an unknown key, a wrong type or a value out of range stops with one line naming the file,
/// line and dotted key). Every key has a default; see `docs/config.md` ("GAN configuration").
///
/// ```yaml
/// seed: 0
/// output: runs/gan-mnist
/// data: {dataset: mnist, train_samples: 10000, batch_size: 64}
/// model: {latent: 64, conditional: true, generator_features: 32, discriminator_features: 32}
/// optimizer: {lr: 0.0002, beta1: 0.5, beta2: 0.999}
/// training: {epochs: 5, log_every: 50, grid_samples: 64, evaluate_samples: 1000}
/// checkpoint: {every_steps: null, keep: 2}
/// ```
public struct GANConfig: Sendable, Equatable {
    /// Seed of the initial weights, the subset, the shuffling and the noise.
    public var seed: UInt64 = 0
    /// Threads for the kernels (`nil`: all cores, or `$DESCENT_THREADS`).
    public var threads: Int?
    /// The run folder.
    public var output = "runs/gan"
    /// Write `report.html` at the end.
    public var report = true
    /// The images: `mnist`, `fashion-mnist` or `shapes` (one channel, 28 × 28).
    public var dataset: DatasetName = .mnist
    /// Folder holding the datasets (default: `$DESCENT_DATA`, then the cache).
    public var directory: String?
    /// Download MNIST or Fashion-MNIST into the cache when missing.
    public var download = true
    /// Training images used: a seeded random subset of the training split (for `shapes`, the number
    /// generated); `nil`: all (12,000 shapes).
    public var trainSamples: Int?
    /// Images per step.
    public var batchSize = 64
    /// Background threads preparing batches.
    public var workers = 1
    /// Length of the noise vector z.
    public var latent = 100
    /// Class-conditional pair (one-hot label channels), so that samples carry labels.
    public var conditional = true
    /// The generator's base width.
    public var generatorFeatures = 64
    /// The discriminator's base width.
    public var discriminatorFeatures = 64
    /// Batch norm in the discriminator's middle layer.
    public var discriminatorBatchNorm = true
    /// Adam's learning rate (both networks).
    public var lr = 2e-4
    /// Adam's β₁.
    public var beta1 = 0.5
    /// Adam's β₂.
    public var beta2 = 0.999
    /// Epochs.
    public var epochs = 5
    /// Stop after this many steps (`nil`: no limit).
    public var maxSteps: Int?
    /// A progress line every this many steps (0: only at the end of each epoch).
    public var logEvery = 50
    /// Fixed-noise samples in each epoch's grid (`samples/epoch-NNN.png`).
    public var gridSamples = 64
    /// Test images (and as many fakes) for the discriminator's real-vs-fake accuracy at the end (0: none).
    public var evaluateSamples = 1_000
    /// A checkpoint every this many steps (`nil`: at each epoch's end only).
    public var checkpointEverySteps: Int?
    /// Checkpoints kept.
    public var checkpointKeep = 2
    /// Where each key was written (no part of equality).
    var sources = SourceMap()

    /// The defaults (PyTorch's DCGAN example: latent 100, widths 64, Adam lr 2e-4, β₁ 0.5) on MNIST.
    public init() {}

    /// The datasets a GAN trains on.
    public static let datasets: [DatasetName] = [.mnist, .fashionMNIST, .shapes]

    static let sections: [String: [String]] = [
        "data": ["dataset", "directory", "download", "train_samples", "batch_size", "workers"],
        "model": ["latent", "conditional", "generator_features", "discriminator_features", "discriminator_batch_norm"],
        "optimizer": ["lr", "beta1", "beta2"],
        "training": ["epochs", "max_steps", "log_every", "grid_samples", "evaluate_samples"],
        "checkpoint": ["every_steps", "keep"],
    ]

    /// Reads the file at `url` and applies `overrides` (`dotted.key=value`); a relative `data.directory` is
    /// relative to the file's folder.
    ///
    /// - Throws: ``DescentError`` naming the file when it cannot be read, or `.config` at `file:line key`.
    public static func load(contentsOf url: URL, overrides: [String] = []) throws -> GANConfig {
        let root = try ConfigFile.read(url, dataPaths: ["directory"])
        return try decode(root, overrides: overrides)
    }

    /// Reads a configuration from YAML or JSON text named `source` in messages.
    public static func parse(yaml: String, source: String = "config", overrides: [String] = []) throws -> GANConfig {
        try decode(ConfigNode.parse(yaml: yaml, source: source), overrides: overrides)
    }

    private static func decode(_ document: ConfigNode, overrides: [String]) throws -> GANConfig {
        try GANConfig(ConfigFile.root(document, overrides: overrides, sections: "data:, model:"))
    }

    private init(_ root: ConfigNode) throws {
        let box = SectionReader.Box()
        let r = try SectionReader(root, path: "", origin: root.origin, sources: box)
        seed = try r.seed() ?? seed
        threads = try r.int("threads", .atLeast(1))
        output = try r.string("output") ?? output
        report = try r.bool("report") ?? report

        let d = try r.section("data")
        let names = Self.datasets.map(\.rawValue)
        if let name = try d.choice("dataset", names, what: "dataset for a GAN") {
            dataset = DatasetName(rawValue: name)!
        }
        directory = try d.string("directory")
        download = try d.bool("download") ?? download
        trainSamples = try d.int("train_samples", .atLeast(1))
        batchSize = try d.int("batch_size", .atLeast(2)) ?? batchSize
        workers = try d.int("workers", .nonNegative) ?? workers
        try d.finish(known: Self.sections["data"])

        let m = try r.section("model")
        latent = try m.int("latent", .atLeast(1)) ?? latent
        conditional = try m.bool("conditional") ?? conditional
        generatorFeatures = try m.int("generator_features", .atLeast(1)) ?? generatorFeatures
        discriminatorFeatures = try m.int("discriminator_features", .atLeast(1)) ?? discriminatorFeatures
        discriminatorBatchNorm = try m.bool("discriminator_batch_norm") ?? discriminatorBatchNorm
        try m.finish(known: Self.sections["model"])

        let o = try r.section("optimizer")
        lr = try o.double("lr", .positive) ?? lr
        beta1 = try o.double("beta1", .fraction) ?? beta1
        beta2 = try o.double("beta2", .fraction) ?? beta2
        try o.finish(known: Self.sections["optimizer"])

        let t = try r.section("training")
        epochs = try t.int("epochs", .atLeast(1)) ?? epochs
        maxSteps = try t.int("max_steps", .atLeast(1))
        logEvery = try t.int("log_every", .nonNegative) ?? logEvery
        gridSamples = try t.int("grid_samples", .atLeast(1)) ?? gridSamples
        evaluateSamples = try t.int("evaluate_samples", .nonNegative) ?? evaluateSamples
        try t.finish(known: Self.sections["training"])

        let c = try r.section("checkpoint")
        checkpointEverySteps = try c.int("every_steps", .atLeast(1))
        checkpointKeep = try c.int("keep", .atLeast(1)) ?? checkpointKeep
        try c.finish(known: Self.sections["checkpoint"])

        try r.finish(known: ["seed", "threads", "output", "report"] + Self.sections.keys.sorted())
        sources = box.map
    }

    /// The configuration as YAML with every key written out (and `data.directory` absolute as resolved), which
    /// reads back to an equal configuration: the run folder's `config.yaml`, read by `--resume`.
    public var yaml: String {
        var w = YAMLWriter()
        w.comment("Descent GAN configuration, every default written out (docs/config.md, GAN configuration).")
        w.line("seed", String(seed))
        w.line("threads", threads.map(String.init) ?? "null")
        w.line("output", YAMLWriter.string(output))
        w.line("report", ConfigValue.bool(report))
        w.section("data") { w in
            w.line("dataset", dataset.rawValue)
            w.line("directory", directory.map(YAMLWriter.string) ?? "null")
            w.line("download", ConfigValue.bool(download))
            w.line("train_samples", trainSamples.map(String.init) ?? "null")
            w.line("batch_size", String(batchSize))
            w.line("workers", String(workers))
        }
        w.section("model") { w in
            w.line("latent", String(latent))
            w.line("conditional", ConfigValue.bool(conditional))
            w.line("generator_features", String(generatorFeatures))
            w.line("discriminator_features", String(discriminatorFeatures))
            w.line("discriminator_batch_norm", ConfigValue.bool(discriminatorBatchNorm))
        }
        w.section("optimizer") { w in
            w.line("lr", YAMLWriter.number(lr))
            w.line("beta1", YAMLWriter.number(beta1))
            w.line("beta2", YAMLWriter.number(beta2))
        }
        w.section("training") { w in
            w.line("epochs", String(epochs))
            w.line("max_steps", maxSteps.map(String.init) ?? "null")
            w.line("log_every", String(logEvery))
            w.line("grid_samples", String(gridSamples))
            w.line("evaluate_samples", String(evaluateSamples))
        }
        w.section("checkpoint") { w in
            w.line("every_steps", checkpointEverySteps.map(String.init) ?? "null")
            w.line("keep", String(checkpointKeep))
        }
        return w.text
    }

    /// The classes of the pair: the dataset's for a conditional one, 0 otherwise.
    public var classes: Int { conditional ? (dataset.classNames?.count ?? 0) : 0 }

    /// The models' sizes, as `gan.json` in the run folder records them.
    public var manifest: GANManifest {
        let shape = dataset.sampleShape ?? [1, 28, 28]
        return GANManifest(
            latent: latent, classes: classes, generatorFeatures: generatorFeatures,
            discriminatorFeatures: discriminatorFeatures, discriminatorBatchNorm: discriminatorBatchNorm,
            channels: shape[0], side: shape[1], dataset: dataset.rawValue,
            classNames: conditional ? dataset.classNames : nil)
    }
}
