import Descent
import DescentData
import Foundation

/// A training job from a config to a run folder — the library side of `descent train`:
///
/// ```
/// OUTPUT/
///   config.yaml        the resolved config (read back by --resume, evaluate and predict)
///   run.json           input shape, classes and normalisation (``RunManifest``)
///   model.safetensors  final weights (PyTorch names; best epoch's when early stopping restored them)
///   history.json, metrics.json, log.csv, log.jsonl
///   report.html, loss.svg, accuracy.svg, learning_rate.svg, confusion_matrix.svg
///   checkpoints/       see ``CheckpointStore``
///   paused.json        only while the run is paused (``pauseAfterEpoch``; ``RunPause``)
///   events.out.tfevents.*  TensorBoard scalars (``TensorBoardLogger``; `tensorboard: true`), one file per start
/// ```
/// The config is checked and the data loaded before anything is written, so a bad config leaves an existing
/// output folder as it was.
///
/// A run paused with ``pauseAfterEpoch`` holds `config.yaml`, `run.json`, `history.json`, the logs,
/// `checkpoints/` and `paused.json`, but no test evaluation, `metrics.json`, report or `model.safetensors`: those
/// are written only when the run finishes.
public struct TrainingRun {
    /// The resolved config.
    public let config: TrainingConfig
    /// The run folder.
    public let directory: URL
    /// Where progress and summary lines go.
    public var write: @Sendable (String) -> Void = {
        print($0); fflush(nil)
    }
    /// Pause once this many epochs are complete (`descent train --pause-after-epoch`): the run keeps its length
    /// `training.epochs` for everything that depends on it (schedules, progress), saves its checkpoint,
    /// `history.json` and `paused.json`, and a later `start(resume: true)` continues exactly as if there had been
    /// no pause. Must be at least 1 and less than `training.epochs`.
    public var pauseAfterEpoch: Int?
    /// Data-parallel training (`mpirun -np N descent train`): every rank calls ``start(resume:)`` with the same
    /// config; each trains on its shard of every batch (``Trainer/distributed``), and only rank 0 writes the run
    /// folder and prints (the others load the data, train, evaluate and wait for rank 0 at the end). Resuming
    /// reads the checkpoint on every rank, so the run folder must be on a file system all ranks see.
    public var distributed: DataParallel?

    /// A run of `config` into `directory` (default: the config's `output`).
    public init(config: TrainingConfig, directory: URL? = nil) {
        self.config = config
        self.directory = directory ?? URL(fileURLWithPath: config.output)
    }

    /// What a run produced.
    public struct Outcome {
        /// The epochs trained (including those before a resume).
        public var history: History
        /// Loss and metrics on the test split, when there is one and training finished.
        public var test: Evaluation?
        /// Whether training was interrupted (Ctrl-C); the state is checkpointed for `--resume`.
        public var interrupted: Bool
        /// The trainer, for further use of the model.
        public var trainer: Trainer
        /// Whether the run paused after ``TrainingRun/pauseAfterEpoch`` epochs; the state is checkpointed for
        /// `--resume`.
        public var paused = false
    }

    /// Trains (continuing from the newest checkpoint in the run folder when `resume`), evaluates on the test
    /// split and writes the outputs. With `optimizer.lr: find` the learning-rate range test runs first and the
    /// run (and its `config.yaml`) takes the rate it suggests.
    ///
    /// The run stops after the current step, checkpointed for `resume`, once ``InterruptSignal`` is raised. For
    /// Ctrl-C and SIGTERM to raise it, the executable calls ``InterruptSignal/install()`` first thing, before any
    /// thread starts (as `descent train` does); this method does not install it, as threads run by then.
    ///
    /// - Throws: ``DescentError`` for a config the data or model cannot satisfy, unreadable data, or an output
    ///   that cannot be written.
    public func start(resume: Bool = false) throws -> Outcome {
        let isMain = distributed?.context.isMain ?? true
        var run = self
        if !isMain { run.write = { _ in } }
        let outcome = try run.run(resume: resume, isMain: isMain)
        try distributed?.context.barrier()  // no rank leaves before rank 0 has written the run folder
        return outcome
    }

    /// ``start(resume:)`` on one rank; only the main rank writes files. The output folder is created (and
    /// probed) before anything is read; when the run fails and the folder it created is still empty (bad data,
    /// a config the model cannot satisfy), the folder is removed again.
    private func run(resume: Bool, isMain: Bool) throws -> Outcome {
        guard isMain else { return try train(resume: resume, isMain: isMain) }
        let existed = FileManager.default.fileExists(atPath: directory.path)
        try RunFolder.prepareOutput(directory)
        do {
            return try train(resume: resume, isMain: isMain)
        } catch {
            if !existed { rmdir(directory.path) }  // only when empty
            throw error
        }
    }

    /// The run itself, into the prepared output folder.
    private func train(resume: Bool, isMain: Bool) throws -> Outcome {
        if let pause = pauseAfterEpoch, !(1..<self.config.training.epochs).contains(pause) {
            throw DescentError(
                .argument, "--pause-after-epoch \(pause)",
                "must be ≥ 1 and < training.epochs (\(self.config.training.epochs))")
        }
        var (config, found) = try self.config.resolvingLearningRate()
        if let distributed, found != nil {
            // Every rank ran the range test; rank 0's rate is the job's (floating point may differ between hosts).
            var lr = [config.optimizer.lr]
            try lr.withUnsafeMutableBytes { try distributed.context.broadcast($0, root: 0) }
            config.optimizer.lr = lr[0]
        }
        if let found {
            let suggested = found.suggestion.map { String(format: "%.4g", $0) } ?? "-"
            write(
                "optimizer.lr: find: the range test suggests \(suggested) (steepest descent of the smoothed loss over "
                    + "\(found.points.count) steps); training with lr \(YAMLWriter.number(config.optimizer.lr))")
        }
        let setup = try config.makeSetup()
        if let distributed, config.training.syncBatchNorm {
            convertSyncBatchNorm(setup.model, context: distributed.context)
        }
        if isMain {
            let weightBytes = setup.model.parameters().reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
            try RunFolder.requireSpace(forWeights: weightBytes, in: directory)
        }
        let fm = FileManager.default
        let store = CheckpointStore(directory: directory.appendingPathComponent("checkpoints"))
        let checkpoint = ModelCheckpoint(
            store: store, policy: setup.checkpoint ?? CheckpointPolicy(everyEpochs: nil, saveBest: false))
        let trainer =
            isMain
            ? setup.makeTrainer(progress: ProgressPrinter(), logs: directory, checkpoint: checkpoint)
            : setup.makeTrainer()
        trainer.distributed = distributed
        if isMain {
            do {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw DescentError(
                    .file, directory.path, "cannot create the output folder: \(error.localizedDescription)")
            }
            try AtomicFile.write(Data(config.yaml.utf8), to: directory.appendingPathComponent("config.yaml"))
            try setup.textEncoder?.write(to: directory)
            try? fm.removeItem(at: directory.appendingPathComponent(RunPause.fileName))
            let normalize = setup.normalize
            try RunManifest(
                inputShape: setup.inputShape, classes: setup.classes,
                outputs: try setup.model.outputShape(for: [1] + setup.inputShape).last ?? 1,
                normalizeMean: normalize?.mean, normalizeStd: normalize?.std,
                preprocessing: setup.preprocessing, dataset: config.data.dataset.rawValue
            ).write(to: directory)
        }

        write("descent train: \(setup.description)")
        if let distributed {
            let size = distributed.context.size
            write(
                "data-parallel: \(size) ranks, \(setup.train.resolvedBatchSize / size)"
                    + "\(setup.train.resolvedBatchSize % size == 0 ? "" : "–\(setup.train.resolvedBatchSize / size + 1)") "
                    + "samples of each batch of \(setup.train.resolvedBatchSize) per rank")
        }
        write("preprocessing: \(setup.preprocessing)")
        if resume {
            if let latest = try store.latest() {
                try store.restore(trainer, from: latest)
                write(
                    "resuming from \(latest.path) (step \(trainer.step), epoch \(trainer.completedEpochs + 1), batch \(trainer.batchInEpoch + 1))"
                )
            } else {
                write("no checkpoint in \(store.directory.path) yet: starting from the beginning")
            }
        }
        let start = Date()
        let history = try trainer.fit(
            setup.train, validation: setup.validation, epochs: config.training.epochs,
            maxSteps: config.training.maxSteps, pauseAfter: pauseAfterEpoch)
        if isMain, let error = checkpoint.error { throw error }
        if let distributed, distributed.allReduceCount > 0 {
            let trainSeconds = history.epochs.reduce(0) { $0 + $1.seconds }
            write(
                String(
                    format:
                        "gradient all-reduce: %.2f s in %d steps (%.1f%% of %.1f s training), %.2f s of it waiting "
                        + "for the slowest rank", distributed.allReduceSeconds, distributed.allReduceCount,
                    100 * distributed.allReduceSeconds / max(trainSeconds, 1e-9), trainSeconds,
                    distributed.synchronizeSeconds))
        }
        if trainer.paused {
            let pause = RunPause(epoch: trainer.completedEpochs, epochs: config.training.epochs)
            if isMain {
                try AtomicFile.write(try JSONFile.encode(history), to: directory.appendingPathComponent("history.json"))
                try pause.write(to: directory)
            }
            let saved = checkpoint.lastCheckpoint?.path ?? store.directory.path
            write("\(pause.description); the state is saved in \(saved)")
            write("continue with: descent train --resume \(directory.path)")
            return Outcome(history: history, test: nil, interrupted: false, trainer: trainer, paused: true)
        }
        if trainer.interrupted {
            write(
                "interrupted at step \(trainer.step); the state is saved in \(checkpoint.lastCheckpoint?.path ?? store.directory.path)"
            )
            write("continue with: descent train --resume \(directory.path)")
            return Outcome(history: history, test: nil, interrupted: true, trainer: trainer)
        }
        let test = config.training.evaluateTest ? try setup.test.map { try trainer.evaluate($0) } : nil
        let seconds = Date().timeIntervalSince(start)
        guard isMain else { return Outcome(history: history, test: test, interrupted: false, trainer: trainer) }

        try setup.model.saveWeights(
            to: directory.appendingPathComponent("model.safetensors"),
            metadata: ["dataset": config.data.dataset.rawValue])
        try AtomicFile.write(try JSONFile.encode(history), to: directory.appendingPathComponent("history.json"))
        try AtomicFile.write(
            try JSONFile.encode(RunMetrics(test, seconds: seconds, unigramPerplexity: setup.unigramPerplexity)),
            to: directory.appendingPathComponent("metrics.json"))
        if config.report {
            let trainSeconds = history.epochs.reduce(0) { $0 + $1.seconds }
            let samples = history.epochs.reduce(0.0) { $0 + $1.seconds * $1.samplesPerSecond }
            var facts: [(name: String, value: String)] = [
                ("job", setup.description), ("preprocessing", setup.preprocessing), ("seed", "\(config.seed)"),
                ("threads", "\(Backend.threads)"), ("precision", Backend.precision.rawValue),
                ("optimizer steps", "\(trainer.step)"),
                ("ranks", "\(distributed?.context.size ?? 1)"),
                (
                    "training time",
                    String(format: "%.1f s (%.0f samples/s)", trainSeconds, samples / max(trainSeconds, 1e-9))
                ),
            ]
            if let reason = history.stoppedEarly { facts.append(("stopped", reason)) }
            if let unigram = setup.unigramPerplexity {
                facts.append(("unigram baseline perplexity (test)", String(format: "%.4f", unigram)))
            }
            try TrainingReport(
                title: "descent train: \(config.data.dataset.rawValue)", history: history, test: test, facts: facts,
                config: config.yaml, classNames: setup.classNames,
                stepsPerEpoch: setup.train.batchesPerEpoch
            ).write(to: directory)
        }
        if let reason = history.stoppedEarly { write("stopped: \(reason)") }
        if let restored = history.restoredEpoch, restored != history.epochs.last?.epoch {
            write(
                "restored the weights of epoch \(restored) (best \(config.earlyStopping?.monitor.rawValue ?? "val_loss"))"
            )
        }
        if let test {
            if let c = test.classification {
                let correct = (0..<c.classes).reduce(0) { $0 + c.confusion[$1][$1] }
                write(
                    String(
                        format: "test accuracy %.2f%% (%d/%d)  loss %.4f", 100 * c.accuracy, correct, c.count, test.loss
                    ))
            } else if let r = test.regression {
                write(String(format: "test MAE %.4f  RMSE %.4f  R² %.4f  loss %.4f", r.mae, r.rmse, r.r2, test.loss))
            } else if let line = test.exactMatchSummary {
                write("test " + line)
            } else if let s = test.sequence {
                let baseline = setup.unigramPerplexity.map { String(format: " (unigram baseline %.4f)", $0) } ?? ""
                write(
                    String(
                        format: "test perplexity %.4f%@  token accuracy %.2f%% (%d tokens)  loss %.4f", s.perplexity,
                        baseline, 100 * s.accuracy, s.tokens, test.loss))
            }
        }
        write(String(format: "%.1f s in all; outputs in %@", seconds, directory.path))
        return Outcome(history: history, test: test, interrupted: false, trainer: trainer)
    }
}

/// The test-set figures written to `metrics.json`.
public struct RunMetrics: Codable, Sendable {
    /// Mean test loss.
    public var loss: Double?
    /// Test accuracy (classification).
    public var accuracy: Double?
    /// Top-k accuracy and its k.
    public var topKAccuracy: Double?, topK: Int?
    /// `confusionMatrix[t][p]`: test samples of class `t` predicted as `p`.
    public var confusionMatrix: [[Int]]?
    /// Per-class precision, recall and F1.
    public var precision: [Double]?, recall: [Double]?, f1: [Double]?
    /// Regression: mean absolute error, root mean squared error, R².
    public var mae: Double?, rmse: Double?, r2: Double?
    /// Sequence to sequence: the fraction of test sequences decoded exactly (``ExactMatch``) and the token accuracy;
    /// sequence models: test perplexity `exp(loss per token)` and the tokens it was measured on.
    public var exactMatch: Double?, tokenAccuracy: Double?, perplexity: Double?, tokens: Int?
    /// Language model: the training part's unigram model's perplexity on the same test tokens (add-one smoothing).
    public var unigramPerplexity: Double?
    /// Wall-clock seconds of training and testing.
    public var seconds: Double

    /// The figures of `evaluation` (all `nil` without a test split), with a language model's unigram baseline.
    public init(_ evaluation: Evaluation?, seconds: Double, unigramPerplexity: Double? = nil) {
        loss = evaluation?.loss
        let c = evaluation?.classification
        accuracy = evaluation?.accuracy
        perplexity = evaluation?.perplexity
        tokens = evaluation?.sequence?.tokens
        self.unigramPerplexity = unigramPerplexity
        topKAccuracy = c?.topKAccuracy
        topK = c?.topK
        confusionMatrix = c?.confusion
        precision = c?.precision
        recall = c?.recall
        f1 = c?.f1
        let r = evaluation?.regression
        mae = r?.mae
        rmse = r?.rmse
        r2 = r?.r2
        exactMatch = evaluation?.metrics["exact_match"]
        tokenAccuracy = evaluation?.sequence?.accuracy
        perplexity = evaluation?.sequence?.perplexity
        self.seconds = seconds
    }
}
