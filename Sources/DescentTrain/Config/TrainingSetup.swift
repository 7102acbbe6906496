import Descent
import DescentData
import Foundation

/// Everything a ``TrainingConfig`` describes, built: the model, the optimizer, the objective, the loaders,
/// the schedule and the callbacks' settings, ready for a ``Trainer`` (``makeTrainer()``).
public final class TrainingSetup {
    /// The configuration it was built from.
    public let config: TrainingConfig
    /// The model, with initial weights drawn after `RandomGenerator.manualSeed(config.seed)`.
    public let model: Module
    /// The optimizer over the model's parameters (its learning rate already at the schedule's step 0).
    public let optimizer: any Optimizer
    /// The loss.
    public let objective: Objective
    /// Extra metrics of every evaluation: ``ExactMatch`` for a ``Seq2Seq`` model, none otherwise.
    public let metrics: [any Metric]
    /// Training batches: shuffled, normalised, augmented.
    public let train: DataLoader
    /// Validation batches (`nil` when `validation_fraction` is 0).
    public let validation: DataLoader?
    /// Test batches (`nil` when the test part is empty).
    public let test: DataLoader?
    /// The learning-rate schedule (`nil`: constant, or reduce-on-plateau only).
    public let schedule: (any LearningRateSchedule)?
    /// Whether the schedule counts optimizer steps (`true`) or epochs.
    public let scheduleEveryStep: Bool
    /// The plateau detector of `schedule: reduce_on_plateau`.
    public let reduceOnPlateau: ReduceLROnPlateau?
    /// The metric ``reduceOnPlateau`` watches.
    public let plateauMonitor: MonitoredMetric
    /// The early-stopping callback (`nil` when disabled, or when it watches validation metrics and there is
    /// no validation data).
    public let earlyStopping: EarlyStopping?
    /// When to checkpoint (`nil`: never).
    public let checkpoint: CheckpointPolicy?
    /// Shape of one input sample, as the model sees it.
    public let inputShape: [Int]
    /// Number of classes (`nil` for regression).
    public let classes: Int?
    /// Names of the classes, when the dataset has them.
    public let classNames: [String]?
    /// The input normalisation applied to every split (`nil`: none).
    public let normalize: Normalize?
    /// One line on the input preprocessing ("pixels scaled to [0, 1], then (x − 0.1307) / 0.3081 per channel").
    public let preprocessing: String
    /// The tokenizer and vocabulary of a text dataset (saved with the run as `tokenizer.json`).
    public let textEncoder: TextEncoder?
    /// Language model: the perplexity of the training part's unigram model (add-one smoothing) on the test
    /// windows' targets, the baseline the model's test perplexity is set against.
    public let unigramPerplexity: Double?
    /// One line on the job: dataset sizes, model and parameter count, optimizer, schedule, batch.
    public let description: String

    /// Builds the setup of `config`.
    init(_ config: TrainingConfig) throws {
        self.config = config
        let sources = config.sources
        if let threads = config.threads { Backend.threads = threads }
        Backend.precision = config.precision
        let data = try config.data.makePipeline(seed: config.seed, sources: sources)
        inputShape = data.sampleShape
        classes = data.classes
        classNames = data.classNames
        preprocessing = data.preprocessing
        normalize = data.normalize
        textEncoder = data.textEncoder
        unigramPerplexity = data.unigramPerplexity

        RandomGenerator.manualSeed(config.seed)
        var modelConfig = config.model
        modelConfig.sources = sources
        model = try modelConfig.makeModel(
            inputShape: data.sampleShape, classes: data.outputs, vocabularySize: data.textEncoder?.vocabulary.count,
            perStep: data.languageModel)
        if let weights = modelConfig.weights {  // fine-tuning: the initial weights from a file
            do { try model.loadWeights(from: URL(fileURLWithPath: weights)) } catch let e as DescentError {
                throw sources.error("model.weights", "\(e.location): \(e.reason)")
            }
        }
        var optimizerConfig = config.optimizer
        optimizerConfig.sources = sources
        optimizer = try optimizerConfig.makeOptimizer(for: model)
        objective =
            config.data.task == .sequenceToSequence
            ? .tokenCrossEntropy(ignoreIndex: Vocabulary.padIndex) : config.loss.makeObjective()
        metrics = (model as? Seq2Seq).map { [ExactMatch(model: $0)] } ?? []

        let d = config.data
        // Texts: padded to the longest of each batch, training batches grouped by length.
        let collation: Collation = data.padded ? .pad : .stack
        let trainLoader = DataLoader(
            data.train, batchSize: d.batchSize, shuffle: d.shuffle, seed: config.seed,
            transform: data.trainTransforms.isEmpty ? nil : Compose(data.trainTransforms), collation: collation,
            workers: d.workers)
        train =
            data.padded
            ? trainLoader.bucketed(by: (0..<data.train.count).map { data.train.sample(at: $0).input.shape[0] })
            : trainLoader
        // A training batch of one sample leaves a batch-norm layer of a vector (or 1×1) with one value per channel:
        // PyTorch's error, found now rather than at that batch.
        let batch = train.resolvedBatchSize, count = data.train.count
        if batch == 1 || (!train.dropLast && count % batch == 1),
            let error = BatchNorm.trainingInputError(of: model, sampleShape: data.sampleShape)
        {
            throw sources.error(
                "data.batch_size",
                "\(batch) leaves a training batch of 1 sample (\(count) training samples), and model layer \(error.location) needs more than 1 value per channel when training (PyTorch: \"\(error.reason)\"); choose another batch size"
            )
        }
        validation =
            data.validation.count > 0
            ? DataLoader(data.validation, batchSize: d.evalBatchSize, transform: data.normalize, collation: collation)
            : nil
        test =
            data.test.count > 0
            ? DataLoader(data.test, batchSize: d.evalBatchSize, transform: data.normalize, collation: collation) : nil

        let steps = min(config.training.epochs * train.batchesPerEpoch, config.training.maxSteps ?? .max)
        let epochs = (steps + train.batchesPerEpoch - 1) / train.batchesPerEpoch
        var scheduleConfig = config.schedule
        scheduleConfig.sources = sources
        scheduleEveryStep = scheduleConfig.every == .step
        schedule = try scheduleConfig.makeSchedule(lr: config.optimizer.lr, length: scheduleEveryStep ? steps : epochs)
        if let schedule { optimizer.apply(schedule, at: 0) }
        let plateau = scheduleConfig.makeReduceOnPlateau()
        reduceOnPlateau = plateau?.0
        plateauMonitor = plateau?.1 ?? .validationLoss

        let watchesValidation =
            config.earlyStopping.map { $0.monitor == .validationLoss || $0.monitor == .validationAccuracy } ?? false
        earlyStopping = validation == nil && watchesValidation ? nil : config.earlyStopping?.makeCallback()
        checkpoint = config.checkpoint

        let name =
            config.data.dataset == .csv
            ? "csv \(config.data.csv?.path.split(separator: "/").last ?? "")"
            : config.data.dataset == .text
                ? "text \(config.data.text?.path.split(separator: "/").last ?? "")" : config.data.dataset.rawValue
        description =
            "\(name): \(Self.grouped(data.train.count)) train, \(Self.grouped(data.validation.count)) validation, "
            + "\(Self.grouped(data.test.count)) test samples of \(data.sampleShape); model \(config.model.name) "
            + "(\(Self.grouped(model.parameterCount)) parameters); \(config.optimizer.summary), \(scheduleConfig.summary); batch \(d.batchSize)"
    }

    /// The run's callbacks, in the one order they act in: the NaN/Inf guard (`training.non_finite`), gradient
    /// clipping, the learning-rate schedule, reduce-on-plateau, validation every N steps, `progress`, early
    /// stopping, the CSV and JSON-lines logs in `logs` (a folder) and, with `tensorboard: true`, the TensorBoard
    /// event files there (after the schedules, so they log the rates the steps used; before the interrupt check,
    /// so the interrupted step's point is written and the file closed before the checkpoint saves that step), the
    /// interrupt check (Ctrl-C), and `checkpoint` last (it saves the state the others leave).
    public func makeCallbacks(
        progress: ProgressPrinter? = nil, logs: URL? = nil,
        checkpoint: ModelCheckpoint? = nil
    ) -> [any TrainingCallback] {
        let loop = config.training
        var list: [any TrainingCallback] = [
            NonFiniteLossGuard(
                loop.nonFinite, rollbackFactor: loop.rollbackFactor,
                maxRollbacks: loop.maxRollbacks)
        ]
        if loop.clipGradNorm != nil || loop.clipGradValue != nil {
            list.append(
                GradientClipping(
                    maxNorm: loop.clipGradNorm.map(Float.init), maxValue: loop.clipGradValue.map(Float.init)))
        }
        if let schedule { list.append(LearningRateScheduler(schedule, everyStep: scheduleEveryStep)) }
        if let reduceOnPlateau { list.append(PlateauScheduler(reduceOnPlateau, monitor: plateauMonitor)) }
        if case .steps(let n) = loop.evalEvery, n > 0 { list.append(StepValidation(every: n)) }
        if let progress { list.append(progress) }
        if let earlyStopping { list.append(earlyStopping) }
        if let logs {
            list += [
                CSVLogger(url: logs.appendingPathComponent("log.csv")),
                JSONLinesLogger(url: logs.appendingPathComponent("log.jsonl")),
            ]
            if config.tensorboard { list.append(TensorBoardLogger(directory: logs)) }
        }
        list.append(InterruptCheck())
        if let checkpoint { list.append(checkpoint) }
        return list
    }

    /// A trainer for this setup: the model, optimizer, objective and ``metrics``, with
    /// ``makeCallbacks(progress:logs:checkpoint:)``.
    /// Then `fit(train, validation: validation, epochs: config.training.epochs, maxSteps: config.training.maxSteps)`.
    public func makeTrainer(progress: ProgressPrinter? = nil, logs: URL? = nil, checkpoint: ModelCheckpoint? = nil)
        -> Trainer
    {
        let step = SupervisedStep(model: model, optimizer: optimizer, objective: objective)
        step.metrics = metrics
        let trainer = Trainer(step: step)
        trainer.callbacks = makeCallbacks(progress: progress, logs: logs, checkpoint: checkpoint)
        return trainer
    }

    /// `12,000`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

extension TrainingConfig {
    /// Builds the job: loads and splits the data, seeds `RandomGenerator.default` with ``seed`` and creates the
    /// model, the optimizer, the loaders and the schedule (and sets `Backend.threads` when ``threads`` is set, and `Backend.precision`).
    ///
    /// - Throws: ``DescentError`` of kind `.config` naming the key at fault (with its file and line): a data
    ///   file that is missing or malformed (`data.path`, `data.dataset`), a model that does not fit the data
    ///   (`model.layers[3]`), a parameter group that matches nothing.
    public func makeSetup() throws -> TrainingSetup { try TrainingSetup(self) }
}
