import Descent
import DescentData
import Foundation

/// Runs the training walk — batches → ``TrainingStep`` (model → loss → gradients → optimizer) → callbacks — for
/// a number of epochs, validating after each (Keras' `fit`). Everything optional is a ``TrainingCallback`` in
/// one ordered list: the NaN/Inf policy, clipping, schedules, plateau detection, early stopping, logs, the
/// interrupt check, checkpoints. Its progress is a ``TrainerState`` value, so a run can be resumed exactly.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
/// trainer.callbacks += [ProgressPrinter(), EarlyStopping(patience: 3)]
/// let history = try trainer.fit(trainLoader, validation: validationLoader, epochs: 10)
/// let test = try trainer.evaluate(testLoader)
/// ```
public final class Trainer: Checkpointable {
    /// What the loop does with each batch (``SupervisedStep`` unless given).
    public let trainingStep: any TrainingStep
    /// The (primary) model being trained.
    public var model: Module { trainingStep.model }
    /// The (primary) optimizer.
    public var optimizer: any Optimizer { trainingStep.optimizer }
    /// Callbacks, called in order at each hook; by default the NaN/Inf check that stops training and the Ctrl-C check.
    public var callbacks: [any TrainingCallback] = [NonFiniteLossGuard(), InterruptCheck()]
    /// The random generators the model draws from while training, saved and restored with the state (with
    /// the generator of every `Dropout` in the model, added by ``randomGenerators``).
    public var generators: [RandomGenerator] = [.default]
    /// The progress: counters, the current epoch's sums and the history (updated when `fit` returns).
    public private(set) var progress = TrainerState()
    /// Whether the last `fit` ended on an interruption (``TrainingState/stop(reason:immediately:)``) part-way
    /// through an epoch.
    public private(set) var interrupted = false
    /// Whether the last `fit` ended on a pause: its `pauseAfter` epochs were complete before its `epochs`, so
    /// the run is not over (a checkpoint taken now continues exactly).
    public private(set) var paused = false
    /// Data-parallel training: with it, `fit` and `evaluate` run on this rank's shard of every batch, the
    /// weights are broadcast from rank 0 when `fit` starts, gradients are averaged over the ranks after
    /// backward (before the callbacks, so clipping and NaN checks see the averaged ones), and the training and
    /// evaluation figures are summed over the ranks (``DataParallel``). Every rank calls `fit` with the same
    /// loaders and settings.
    public var distributed: DataParallel?
    private var restored = false

    /// A trainer of the supervised step: `model` with `optimizer` (over its parameters) on `objective`.
    public convenience init(model: Module, optimizer: any Optimizer, objective: Objective = .crossEntropy()) {
        self.init(step: SupervisedStep(model: model, optimizer: optimizer, objective: objective))
    }

    /// A trainer running `step` on each batch.
    public init(step: any TrainingStep) {
        trainingStep = step
    }

    /// Optimizer steps taken so far.
    public var step: Int { progress.step }
    /// Epochs completed so far.
    public var completedEpochs: Int { progress.completedEpochs }
    /// Batches of the current epoch trained on so far.
    public var batchInEpoch: Int { progress.batchInEpoch }
    /// The history so far.
    public var history: History { progress.history }

    /// Every random generator a checkpoint saves: ``generators``, then each `Dropout` layer's own generator
    /// (in module order) that is not already listed.
    public var randomGenerators: [RandomGenerator] {
        var list = generators
        var seen = Set(list.map(ObjectIdentifier.init))
        for case (_, let dropout as Dropout) in model.namedModules()
        where seen.insert(ObjectIdentifier(dropout.generator)).inserted {
            list.append(dropout.generator)
        }
        return list
    }

    /// What a checkpoint saves, in order: the training step, the checkpointable callbacks, the trainer's progress.
    public var checkpointables: [any Checkpointable] {
        [trainingStep] + callbacks.compactMap { $0 as? any Checkpointable } + [self]
    }

    /// Trains until `epochs` epochs are complete (counting those of a restored state) or `maxSteps` optimizer
    /// steps are taken, validating on `validation` after each epoch.
    ///
    /// With `pauseAfter`, training pauses once that many epochs are complete (before `epochs`): the run keeps its
    /// length `epochs` for everything that depends on it, ends like an interruption (``paused`` is set, the
    /// callbacks see ``TrainingState/interrupted``, so a checkpoint is saved and early stopping restores no
    /// weights), and a later `fit` of the restored state continues exactly as if there had been no pause.
    ///
    /// - Throws: errors from loading batches (a ``DescentError`` naming the file or sample) or from callbacks.
    @discardableResult
    public func fit(
        _ train: DataLoader, validation: DataLoader? = nil, epochs: Int, maxSteps: Int? = nil,
        pauseAfter: Int? = nil
    ) throws -> History {
        precondition(epochs >= 0, "fit: epochs must be non-negative")
        if !restored { progress.stopReason = nil }
        (restored, interrupted, paused) = (false, false, false)
        var state = makeState(epochs: epochs, stepsPerEpoch: train.batchesPerEpoch, validation: validation)
        defer { (progress, interrupted) = (state.progress, state.interrupted && !paused) }
        let hooks = TrainingHooks(callbacks: callbacks, distributed: distributed)
        let train = distributed.map { train.sharded($0.shard) } ?? train
        if let distributed { try distributed.broadcastState(of: model) }
        for c in callbacks { try c.trainingWillBegin(&state) }
        training: while state.completedEpochs < epochs && state.stopReason == nil {
            if let pauseAfter, state.completedEpochs >= pauseAfter {
                (paused, state.interrupted) = (true, true)
                break training
            }
            switch try runEpoch(train, &state, hooks, maxSteps: maxSteps) {
            case .restarted: continue training
            case .stopped: break training
            case .completed(let last):
                try endEpoch(&state)
                if last { break training }
            }
        }
        state.progress.history.stoppedEarly = state.stopReason
        for c in callbacks { try c.trainingDidEnd(&state) }
        return state.history
    }

    /// How an epoch's batches ended.
    private enum EpochEnd { case completed(lastStep: Bool), restarted, stopped }

    /// The batches of the current epoch (from ``TrainerState/batchInEpoch``), each followed by its hooks.
    private func runEpoch(_ train: DataLoader, _ state: inout TrainingState, _ hooks: TrainingHooks, maxSteps: Int?)
        throws -> EpochEnd
    {
        if state.batchInEpoch == 0 { state.progress.resetEpoch() }
        for c in callbacks { try c.epochWillBegin(&state) }
        let start = Date()
        var batches = train.epoch(state.completedEpochs, from: state.batchInEpoch).makeIterator()
        // Data-parallel with the supervised step: gradient buckets are reduced while backward runs, which needs
        // each step's global batch size up front.
        let overlap = distributed != nil && trainingStep is SupervisedStep
        let globalSizes = overlap ? train.globalBatchIndices(epoch: state.completedEpochs).map(\.count) : []
        while let batch = try batches.nextBatch() {
            state.batchAction = .proceed
            state.batchSamples = batch.count
            var sums: TrainerState?
            if distributed != nil {
                sums = state.progress
                state.progress.resetEpoch()
            }
            if let distributed, overlap {
                let hook = distributed.beginStep(
                    parameters: optimizer.parameters, samples: batch.count,
                    globalSamples: globalSizes[state.batchInEpoch])
                try GradientReadyHook.$current.withValue(hook) {
                    try trainingStep.train(on: batch, state: &state, hooks: hooks)
                }
            } else {
                try trainingStep.train(on: batch, state: &state, hooks: hooks)
            }
            if let distributed, let saved = sums, state.batchAction != .restartEpoch {
                // The step recorded this rank's shard alone: put back the epoch's sums, plus (when the step was
                // taken) the step's sums over all ranks.
                let local = state.progress
                state.progress.epochLossSum = saved.epochLossSum
                state.progress.epochSamples = saved.epochSamples
                state.progress.epochClassification = saved.epochClassification
                state.progress.epochSeconds = saved.epochSeconds
                if state.batchAction == .proceed {
                    state.interruptRequested = try distributed.addStep(local, to: &state.progress)
                }
            }
            switch state.batchAction {
            case .restartEpoch: return .restarted
            case .abort: return .stopped
            case .skip: state.progress.batchInEpoch += 1; continue
            case .proceed: break
            }
            state.progress.step += 1
            state.progress.batchInEpoch += 1
            for c in callbacks { try c.stepDidEnd(&state) }
            if let distributed, distributed.checkEvery > 0, state.step % distributed.checkEvery == 0 {
                try distributed.verifyReplicas(model: model, optimizer: optimizer, step: state.step)
            }
            let last = maxSteps.map { state.step >= $0 } ?? false
            if state.stopNow || last {
                state.progress.epochSeconds += Date().timeIntervalSince(start)
                state.interrupted = state.stopNow
                return state.stopNow ? .stopped : .completed(lastStep: true)
            }
        }
        state.progress.epochSeconds += Date().timeIntervalSince(start)
        return .completed(lastStep: false)
    }

    /// Validation, the end-of-epoch hooks (schedules), the epoch's log in the history, then the epoch's callbacks.
    private func endEpoch(_ state: inout TrainingState) throws {
        let evaluation = try state.validation.map { try state.evaluate($0) }
        for c in callbacks { try c.epochWillEnd(&state, validation: evaluation) }
        let seconds = state.progress.epochSeconds
        var log = EpochLog(
            epoch: state.epoch, trainLoss: state.epochLoss, trainAccuracy: state.epochAccuracy,
            validationLoss: evaluation?.loss, validationAccuracy: evaluation?.accuracy,
            validationPerplexity: evaluation?.perplexity, learningRate: state.optimizer.lr, seconds: seconds,
            samplesPerSecond: Double(state.epochSamples) / max(seconds, 1e-9))
        if let metrics = evaluation?.metrics, !metrics.isEmpty { log.validationMetrics = metrics }
        state.progress.completedEpochs += 1
        state.progress.batchInEpoch = 0
        state.progress.history.epochs.append(log)
        for c in callbacks { try c.epochDidEnd(&state, log: log) }
    }

    /// The state that callbacks see, for a `fit` of `epochs` epochs (or a checkpoint between runs, or a test of
    /// a callback's hooks).
    public func makeState(epochs: Int, stepsPerEpoch: Int, validation: DataLoader?) -> TrainingState {
        let step = trainingStep, components = checkpointables, distributed = distributed
        precondition(
            Set(components.map(\.checkpointKey)).count == components.count,
            "Trainer: two components share a checkpoint key in \(components.map(\.checkpointKey))")
        var state = TrainingState(
            model: model, optimizer: optimizer, generators: randomGenerators, checkpointables: components,
            epochs: epochs, stepsPerEpoch: stepsPerEpoch, validation: validation, progress: progress,
            evaluator: { data in
                guard let distributed else { return try step.evaluate(data) }
                return try distributed.reduce(step.evaluate(data.sharded(distributed.shard)))
            })
        state.interrupted = interrupted
        return state
    }

    /// The loss and metrics of the model on `data` (``TrainingStep/evaluate(_:)``: eval mode, no gradients);
    /// with ``distributed``, each rank evaluates its shard and the figures are summed over the ranks.
    public func evaluate(_ data: DataLoader) throws -> Evaluation {
        guard let distributed else { return try trainingStep.evaluate(data) }
        return try distributed.reduce(trainingStep.evaluate(data.sharded(distributed.shard)))
    }

    /// Continues from `state` (with the weights and optimizer state restored separately): the next
    /// ``fit(_:validation:epochs:maxSteps:pauseAfter:)`` picks up at the saved step, batch and random state.
    public func restore(_ state: TrainerState) {
        progress = state
        for (g, saved) in zip(randomGenerators, state.generators) { g.state = (saved.seed, saved.offset) }
        restored = true
    }

    /// `trainer`: the progress is `trainer.json`.
    public var checkpointKey: String { "trainer" }

    /// Writes `trainer.json` (the progress with the random generators' states).
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.write(state.snapshot(), to: "trainer.json")
    }

    /// Restores the progress from `trainer.json`, refusing one with another number of random generators.
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        let saved = try folder.read(TrainerState.self, from: "trainer.json")
        let count = randomGenerators.count
        guard saved.generators.count == count else {
            throw DescentError(
                .file, folder.file("trainer.json").path,
                "holds \(saved.generators.count) random generator states, the run being resumed has \(count)")
        }
        restore(saved)
    }
}
