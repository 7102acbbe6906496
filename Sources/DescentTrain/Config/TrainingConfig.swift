import Descent
import Foundation

/// A training job as a YAML or JSON file (`descent train CONFIG`): the data, the model, the loss, the
/// optimizer and its schedule, the training loop, early stopping and checkpoints, read strictly — an unknown
/// key, a value of the wrong type or out of range stops with one line naming the file, the line and the
/// dotted key. Every key has a default; the empty document is ``default``, the built-in main job. See
/// `docs/config.md` for every key.
///
/// ```swift
/// let config = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: "examples/mnist-cnn.yaml"),
///                                      overrides: ["optimizer.lr=0.01", "data.batch_size=full"])
/// let setup = try config.makeSetup()
/// let history = try setup.makeTrainer().fit(setup.train, validation: setup.validation, epochs: config.training.epochs)
/// ```
public struct TrainingConfig: Sendable, Equatable {
    /// Seed of the initial weights, the splits, the shuffling and the augmentations.
    public var seed: UInt64 = 0
    /// Threads for the kernels (`nil`: all cores, or `$DESCENT_THREADS`).
    public var threads: Int?
    /// The precision of the matrix products of Linear layers and convolutions (``Backend/precision``): `float32`
    /// (default) or `bf16` (bfloat16 inputs, float32 accumulation, float32 master weights and gradients; float32 with
    /// a one-line warning on a CPU without AVX-512 BF16 or AMX).
    public var precision: Precision = .float32
    /// Folder for the weights, history, metrics and checkpoints (relative to the working directory).
    public var output = "runs/latest"
    /// Write the HTML report at the end.
    public var report = true
    /// Write TensorBoard event files into the run folder while training (``TensorBoardLogger``).
    public var tensorboard = true
    /// The `data` section.
    public var data = DataConfig()
    /// The `model` section.
    public var model = ModelConfig(.zoo(.cnnBN, ConfigOptions()))
    /// The `loss` section.
    public var loss = LossConfig(.crossEntropy)
    /// The `optimizer` section.
    public var optimizer = OptimizerConfig(AdamRule.self)
    /// The `schedule` section.
    public var schedule = ScheduleConfig(.cosine)
    /// The `training` section.
    public var training = TrainingLoopConfig()
    /// The `early_stopping` section, or `nil` when disabled (`early_stopping: null` or `false`).
    public var earlyStopping: EarlyStoppingConfig? = EarlyStoppingConfig()
    /// The `checkpoint` section, or `nil` when disabled (`checkpoint: null` or `false`).
    public var checkpoint: CheckpointPolicy? = CheckpointPolicy()
    /// Where each key was written (no part of equality).
    var sources = SourceMap()

    /// The built-in main job: the W3 CNN (`cnn-bn`) on 12,000 generated shapes (10% for validation) and 2,000
    /// test shapes, 6 epochs of Adam (lr 0.001, batch 64) with cosine annealing per epoch, early stopping with
    /// patience 3 on the validation loss, seed 0, output `runs/latest`.
    public init() {}

    /// The built-in main job (see ``init()``); the same as parsing an empty document.
    public static let `default` = TrainingConfig()

    /// The top-level keys, in the order they are written.
    static let keys = [
        "seed", "threads", "precision", "output", "report", "tensorboard", "data", "model", "loss", "optimizer",
        "schedule", "training", "early_stopping", "checkpoint", "search",
    ]

    // MARK: Reading

    /// Reads the configuration file at `url` (YAML or JSON) and applies `overrides` (`dotted.key=value`, as
    /// `--set` gives them). Relative `data.path`, `data.directory` and `model.weights` in the file are relative to
    /// its folder.
    ///
    /// - Throws: ``DescentError`` naming the path when the file cannot be read, or of kind `.config` located
    ///   at `file:line dotted.key` (or `--set dotted.key`) for a syntax error, an unknown key, a value of the
    ///   wrong type or out of range.
    public static func load(contentsOf url: URL, overrides: [String] = []) throws -> TrainingConfig {
        let root = try ConfigFile.read(
            url, dataPaths: ["path", "directory", "test_path"], modelPaths: ["weights", "onnx"])
        return try decode(root, overrides: overrides)
    }

    /// Reads a configuration from YAML or JSON text named `source` in messages, and applies `overrides`.
    /// Relative paths stay relative to the working directory. `parse(yaml: "")` is ``default``.
    ///
    /// - Throws: ``DescentError`` of kind `.config`, as ``load(contentsOf:overrides:)``.
    public static func parse(yaml: String, source: String = "config", overrides: [String] = []) throws -> TrainingConfig
    {
        try decode(ConfigNode.parse(yaml: yaml, source: source), overrides: overrides)
    }

    private static func decode(_ document: ConfigNode, overrides: [String]) throws -> TrainingConfig {
        try TrainingConfig(
            ConfigFile.root(document, overrides: overrides, sections: "data:, model:, optimizer:"))
    }

    /// Reads the document's sections.
    private init(_ root: ConfigNode) throws {
        let box = SectionReader.Box()
        let r = try SectionReader(root, path: "", origin: root.origin, sources: box)
        seed = try r.seed() ?? seed
        threads = try r.int("threads", .atLeast(1))
        precision =
            try r.choice("precision", Precision.allCases.map(\.rawValue), what: "precision")
            .flatMap(Precision.init(rawValue:)) ?? .float32
        output = try r.string("output") ?? "runs/latest"
        report = try r.bool("report") ?? true
        tensorboard = try r.bool("tensorboard") ?? true
        data = try DataConfig(r.section("data"))
        model = try ModelConfig(
            r.section("model"),
            defaultName: data.task == .languageModel ? ModelConfig.Zoo.rnnLM.rawValue : data.dataset.defaultModel)
        loss = try LossConfig(r.section("loss"), task: data.task)
        optimizer = try OptimizerConfig(r.section("optimizer"))
        schedule = try ScheduleConfig(r.section("schedule"))
        training = try TrainingLoopConfig(r.section("training"))
        earlyStopping = try EarlyStoppingConfig.read(r.node("early_stopping"), r)
        checkpoint = try CheckpointPolicy.read(r.node("checkpoint"), r)
        _ = r.node("search")  // read by `descent search` (SearchSpace); ignored by `descent train`
        try r.finish(known: Self.keys)
        sources = box.map
    }

    // MARK: Writing

    /// The configuration as YAML with every default written out, which reads back to an equal configuration
    /// (stored in the run folder, for `--resume`).
    public var yaml: String {
        var w = YAMLWriter()
        w.comment("Descent training configuration, every default written out (docs/config.md).")
        w.line("seed", String(seed))
        w.line("threads", threads.map(String.init) ?? "null")
        w.line("precision", precision.rawValue)
        w.line("output", YAMLWriter.string(output))
        w.line("report", ConfigValue.bool(report))
        w.line("tensorboard", ConfigValue.bool(tensorboard))
        data.write(&w)
        model.write(&w)
        loss.write(&w)
        optimizer.write(&w)
        schedule.write(&w)
        training.write(&w)
        if let e = earlyStopping {
            w.section("early_stopping") { w in
                w.line("monitor", e.monitor.rawValue)
                w.line("patience", ConfigValue.int(e.patience))
                w.line("min_delta", ConfigValue.number(e.minDelta))
                w.line("restore_best_weights", ConfigValue.bool(e.restoreBestWeights))
            }
        } else {
            w.line("early_stopping", "null")
        }
        if let c = checkpoint {
            w.section("checkpoint") { w in
                w.line("every_epochs", c.everyEpochs.map(String.init) ?? "null")
                w.line("every_steps", c.everySteps.map(ConfigValue.int))
                w.line("keep", ConfigValue.int(c.keep))
                w.line("save_best", ConfigValue.bool(c.saveBest))
                w.line("monitor", c.monitor.rawValue)
            }
        } else {
            w.line("checkpoint", "null")
        }
        return w.text
    }
}

extension ConfigNode {
    /// Makes the relative paths of `keys` in section `section` absolute against `base`.
    mutating func resolvePaths(_ keys: [String], inSection section: String, relativeTo base: URL) {
        guard case .mapping(var top) = content, let s = top.firstIndex(where: { $0.key == section }),
            case .mapping(var entries) = top[s].value.content
        else { return }
        for i in entries.indices where keys.contains(entries[i].key) {
            guard case .scalar(let path, _) = entries[i].value.content, !entries[i].value.isNull,
                !path.hasPrefix("/"), !path.hasPrefix("~")
            else { continue }
            entries[i].value.content = .scalar(base.appendingPathComponent(path).standardizedFileURL.path, plain: false)
        }
        top[s].value.content = .mapping(entries)
        content = .mapping(top)
    }
}
