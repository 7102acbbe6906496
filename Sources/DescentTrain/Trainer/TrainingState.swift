import Descent
import DescentData

/// The state of a running ``Trainer/fit(_:validation:epochs:maxSteps:pauseAfter:)``, handed `inout` to every
/// ``TrainingCallback`` hook: the progress (saved in checkpoints), the primary model and optimizer, and the
/// requests a callback can make (``stop(reason:immediately:)``, ``skipStep()``, ``restartEpoch()``).
public struct TrainingState {
    /// The model being trained (for a multi-model ``TrainingStep``, its primary one: evaluated and saved as best).
    public let model: Module
    /// The optimizer whose learning rate is logged and scheduled.
    public let optimizer: any Optimizer
    /// Every random generator a checkpoint saves (``Trainer/randomGenerators``).
    public let generators: [RandomGenerator]
    /// The components whose states a checkpoint holds: the training step, the trainer, checkpointable callbacks.
    public let checkpointables: [any Checkpointable]
    /// The epoch count `fit` trains to.
    public let epochs: Int
    /// Batches per epoch of the training data.
    public let stepsPerEpoch: Int
    /// Validation data passed to `fit`, if any.
    public let validation: DataLoader?
    /// Counters, the partial epoch's sums and the history: everything a checkpoint's `trainer.json` holds.
    public var progress: TrainerState
    /// The loss of the latest batch (set by the ``TrainingStep`` before the hooks after backward; in data-parallel
    /// training, the mean over all ranks once the hooks start).
    public var loss: Float = 0
    /// Samples of the current batch on this rank (set by the loop before the ``TrainingStep`` runs).
    public internal(set) var batchSamples = 0
    /// In data-parallel training, whether any rank's ``InterruptSignal`` was raised at this step's reduction (so
    /// that every rank stops after the same step); `nil` otherwise.
    public internal(set) var interruptRequested: Bool?
    /// Whether the run stopped part-way through an epoch on ``stop(reason:immediately:)`` (it can be resumed).
    public internal(set) var interrupted = false
    /// What the loop does with the current batch; set by ``skipStep()``, ``restartEpoch()``, ``abort(reason:)``.
    public internal(set) var batchAction = BatchAction.proceed
    var stopNow = false
    let evaluator: (DataLoader) throws -> Evaluation

    /// What the loop does with the current batch after the hooks between backward and the optimizer step.
    public enum BatchAction: Sendable {
        /// Take the optimizer step.
        case proceed
        /// Drop the batch's update and go on with the next batch.
        case skip
        /// Start the current epoch again (from a state a callback restored).
        case restartEpoch
        /// End training now, without the update.
        case abort
    }

    init(
        model: Module, optimizer: any Optimizer, generators: [RandomGenerator], checkpointables: [any Checkpointable],
        epochs: Int, stepsPerEpoch: Int, validation: DataLoader?, progress: TrainerState,
        evaluator: @escaping (DataLoader) throws -> Evaluation
    ) {
        self.model = model
        self.optimizer = optimizer
        self.generators = generators
        self.checkpointables = checkpointables
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
        self.validation = validation
        self.progress = progress
        self.evaluator = evaluator
    }

    /// Optimizer steps taken so far.
    public var step: Int { progress.step }
    /// Epochs completed so far.
    public var completedEpochs: Int { progress.completedEpochs }
    /// The current epoch, from 1.
    public var epoch: Int { progress.completedEpochs + 1 }
    /// Batches of the current epoch trained on so far.
    public var batchInEpoch: Int { progress.batchInEpoch }
    /// The history so far.
    public var history: History { progress.history }
    /// Why training stops, once a callback asked it to.
    public var stopReason: String? { progress.stopReason }
    /// Mean training loss of the current epoch so far: `Σ loss·batch / Σ batch`.
    public var epochLoss: Double { progress.epochLossSum / Double(max(progress.epochSamples, 1)) }
    /// Training samples of the current epoch so far.
    public var epochSamples: Int { progress.epochSamples }
    /// Training accuracy of the current epoch so far (classification).
    public var epochAccuracy: Double? { progress.epochClassification?.accuracy }
    /// Factor on scheduled learning rates (a rollback lowers it; ``LearningRateScheduler`` applies it).
    public var learningRateScale: Double {
        get { progress.learningRateScale }
        set { progress.learningRateScale = newValue }
    }

    /// Asks the loop to stop, with a reason recorded in the history: after the current epoch, or `immediately`
    /// after the current step (the run is then ``interrupted`` and can be resumed).
    public mutating func stop(reason: String, immediately: Bool = false) {
        if progress.stopReason == nil { progress.stopReason = reason }
        if immediately { stopNow = true }
    }

    /// Ends training at once, before the current batch's optimizer step (the run is over, not interrupted).
    public mutating func abort(reason: String) {
        stop(reason: reason)
        batchAction = .abort
    }

    /// Drops the current batch's optimizer step (called between backward and the step).
    public mutating func skipStep() { batchAction = .skip }

    /// Starts the current epoch again after the hooks (a callback restored the epoch's start with ``restore(_:)``).
    public mutating func restartEpoch() { batchAction = .restartEpoch }

    /// Whether the ``TrainingStep`` should take its optimizer step (no callback skipped, restarted or aborted).
    public var shouldStep: Bool { batchAction == .proceed }

    /// The progress with the current random generator states, for a checkpoint or a rollback snapshot.
    public func snapshot() -> TrainerState {
        var saved = progress
        saved.generators = generators.map { GeneratorState(seed: $0.state.seed, offset: $0.state.offset) }
        saved.stopReason = interrupted ? nil : progress.stopReason
        return saved
    }

    /// Returns to a ``snapshot()``: counters, sums, history and random generator states.
    public mutating func restore(_ saved: TrainerState) {
        progress = saved
        for (g, s) in zip(generators, saved.generators) { g.state = (s.seed, s.offset) }
    }

    /// Adds a trained batch to the epoch's sums: its mean `loss`, size and (classification) the model's output.
    public mutating func record(loss: Float, batch: Batch, output: Tensor?) {
        progress.epochLossSum += Double(loss) * Double(batch.count)
        progress.epochSamples += batch.count
        if let labels = batch.labels, let output, output.rank == 2 {
            if progress.epochClassification == nil {
                progress.epochClassification = ClassificationMetrics(classes: output.shape[1])
            }
            progress.epochClassification!.add(logits: output.detach(), labels: labels, meanLoss: loss)
        }
    }

    /// The loss and metrics of the trained model on `data`, as the training step evaluates (eval mode, no gradients).
    public func evaluate(_ data: DataLoader) throws -> Evaluation { try evaluator(data) }
}
