import Descent
import DescentData
import Foundation

/// Runs the training walk — batches → model → loss → gradients → optimizer — for a number of epochs, with
/// periodic validation, learning-rate schedules, gradient clipping, a NaN/Inf policy and callbacks (Keras'
/// `fit`). Its progress is a ``TrainerState`` value, so a run can be checkpointed and resumed exactly.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
/// trainer.callbacks = [ProgressPrinter(), EarlyStopping(patience: 3)]
/// let history = try trainer.fit(trainLoader, validation: validationLoader, epochs: 10)
/// let test = try trainer.evaluate(testLoader)
/// ```
public final class Trainer {
    /// The model being trained.
    public let model: Module
    /// The optimizer holding the model's parameters.
    public let optimizer: any Optimizer
    /// The loss.
    public var objective: Objective
    /// Learning-rate schedule, applied after every step or every epoch (see ``scheduleEveryStep``).
    public var schedule: (any LearningRateSchedule)?
    /// Step the schedule after every optimizer step (`true`) or after every epoch (`false`, the default).
    public var scheduleEveryStep = false
    /// Reduce the learning rate when a metric plateaus, checked after every epoch.
    public var reduceOnPlateau: ReduceLROnPlateau?
    /// The metric ``reduceOnPlateau`` watches (without validation data, the training loss is used).
    public var plateauMonitor: MonitoredMetric = .validationLoss
    /// Clip the global gradient norm to this value before each step.
    public var clipGradientNorm: Float?
    /// Clip every gradient element into `[−v, v]` before each step.
    public var clipGradientValue: Float?
    /// What to do with a non-finite loss or gradient.
    public var nonFiniteLoss: NonFiniteLossPolicy = .stop
    /// Learning-rate factor applied by each rollback (``NonFiniteLossPolicy/rollback``).
    public var rollbackFactor = 0.5
    /// Rollbacks allowed before training stops.
    public var maxRollbacks = 3
    /// How often to validate.
    public var evaluationInterval: EvaluationInterval = .epoch
    /// The random generators the model draws from while training, saved and restored with the state (with
    /// the generator of every `Dropout` in the model, added by ``randomGenerators``).
    public var generators: [RandomGenerator] = [.default]

    /// Every random generator a checkpoint saves: ``generators``, then each `Dropout` layer's own generator
    /// (in module order) that is not already listed.
    public var randomGenerators: [RandomGenerator] {
        var list = generators
        var seen = Set(list.map(ObjectIdentifier.init))
        for case (_, let dropout as Dropout) in model.namedModules() where seen.insert(ObjectIdentifier(dropout.generator)).inserted {
            list.append(dropout.generator)
        }
        return list
    }
    /// Callbacks, called in order (put ``ModelCheckpoint`` after the callbacks whose state it saves).
    public var callbacks: [any TrainingCallback] = []

    /// Optimizer steps taken so far.
    public private(set) var step = 0
    /// Epochs completed so far.
    public private(set) var completedEpochs = 0
    /// Batches of the current epoch trained on so far.
    public private(set) var batchInEpoch = 0
    /// The history so far.
    public private(set) var history = History()
    /// Whether the last ``fit(_:validation:epochs:maxSteps:)`` ended on an interruption (``InterruptSignal``
    /// or ``requestStop(_:immediately:)``) part-way through an epoch.
    public private(set) var interrupted = false
    /// The reason training stopped early, if it did.
    public private(set) var stopReason: String?

    /// Mean training loss of the current epoch so far.
    public var epochLoss: Double { lossSum / Double(max(samples, 1)) }
    /// Training samples of the current epoch so far.
    public var epochSamples: Int { samples }
    /// Training accuracy of the current epoch so far (classification).
    public var epochAccuracy: Double? { classification?.accuracy }

    private var stopNow = false
    private var lossSum = 0.0, samples = 0, epochSeconds = 0.0
    private var classification: ClassificationMetrics?
    private var learningRateScale = 1.0
    private var rollbacks = 0
    private var restored = false
    /// What a rollback returns to: taken at the start of each epoch under the rollback policy, and saved with
    /// (and restored from) a checkpoint written part-way through an epoch, so a resumed run rolls back to the
    /// same point as an uninterrupted one.
    var epochStart: Snapshot?

    /// A trainer for `model` with `optimizer` (built over the model's parameters) and `objective`.
    public init(model: Module, optimizer: any Optimizer, objective: Objective = .crossEntropy()) {
        self.model = model
        self.optimizer = optimizer
        self.objective = objective
    }

    /// Asks the loop to stop, with a reason recorded in the history: after the current epoch, or
    /// `immediately` after the current step (the run is then ``interrupted`` and can be resumed).
    public func requestStop(_ reason: String, immediately: Bool = false) {
        if stopReason == nil { stopReason = reason }
        if immediately { stopNow = true }
    }

    /// Trains until `epochs` epochs are complete (counting those of a restored state) or `maxSteps` optimizer
    /// steps are taken, validating on `validation` after each epoch (and every N steps, see
    /// ``evaluationInterval``).
    ///
    /// - Throws: errors from loading batches (a ``DescentError`` naming the file or sample).
    @discardableResult
    public func fit(_ train: DataLoader, validation: DataLoader? = nil, epochs: Int, maxSteps: Int? = nil) throws -> History {
        precondition(epochs >= 0, "fit: epochs must be non-negative")
        if !restored { stopReason = nil }
        restored = false
        stopNow = false
        interrupted = false
        for c in callbacks { c.trainingWillBegin(self, epochs: epochs, stepsPerEpoch: train.batchesPerEpoch) }
        epochLoop: while completedEpochs < epochs && stopReason == nil {
            let epoch = completedEpochs + 1
            if batchInEpoch == 0 { resetEpochSums() }
            // Part-way through an epoch (resumed), the epoch's own start is kept when it is known.
            if nonFiniteLoss == .rollback && (batchInEpoch == 0 || epochStart?.trainerState.completedEpochs != completedEpochs) {
                epochStart = Snapshot(self)
            }
            let start = Date()
            var batches = train.epoch(epoch - 1, from: batchInEpoch).makeIterator()
            var reachedMaxSteps = false
            while let batch = try batches.nextBatch() {
                optimizer.zeroGrad()
                let output = model(batch.inputs)
                let loss = objective.loss(output, batch)
                let value = loss.item
                var problem = value.isFinite ? nil : "the loss is \(value)"
                if problem == nil {
                    loss.backward()
                    problem = firstNonFiniteGradient()
                }
                if let problem {
                    let place = "step \(step + 1) (epoch \(epoch), batch \(batchInEpoch + 1))"
                    switch nonFiniteLoss {
                    case .stop:
                        requestStop("non-finite values at \(place): \(problem)")
                        break epochLoop
                    case .skipStep:
                        batchInEpoch += 1
                        continue
                    case .rollback:
                        guard rollbacks < maxRollbacks, let snapshot = epochStart else {
                            requestStop("non-finite values at \(place): \(problem); \(rollbacks) rollbacks already")
                            break epochLoop
                        }
                        do {
                            try snapshot.restore(self)
                        } catch {
                            requestStop("non-finite values at \(place): \(problem); the epoch's start cannot be restored: \(error)")
                            break epochLoop
                        }
                        rollbacks += 1
                        learningRateScale *= rollbackFactor
                        optimizer.learningRates = optimizer.learningRates.map { $0 * rollbackFactor }
                        FileHandle.standardError.write(Data("""
                            descent: non-finite values at \(place): \(problem); rolled back to the start of epoch \
                            \(epoch), learning rate ×\(rollbackFactor) → \(optimizer.lr)\n
                            """.utf8))
                        continue epochLoop
                    }
                }
                let parameters = optimizer.parameters
                if let v = clipGradientValue { clipGradValue(parameters, v) }
                if let n = clipGradientNorm { _ = clipGradNorm(parameters, maxNorm: n) }
                optimizer.step()
                step += 1
                batchInEpoch += 1
                if scheduleEveryStep, let schedule { apply(schedule, at: step) }
                lossSum += Double(value) * Double(batch.count)
                samples += batch.count
                if let labels = batch.labels, output.rank == 2 {
                    if classification == nil { classification = ClassificationMetrics(classes: output.shape[1]) }
                    classification!.add(logits: output.detach(), labels: labels, meanLoss: value)
                }
                if case .steps(let n) = evaluationInterval, n > 0, step % n == 0, let validation {
                    let e = try evaluate(validation)
                    let log = EvaluationLog(step: step, epoch: epoch, loss: e.loss, accuracy: e.accuracy, learningRate: optimizer.lr)
                    history.evaluations.append(log)
                    for c in callbacks { c.evaluationDidEnd(self, log: log) }
                }
                for c in callbacks { c.stepDidEnd(self, epoch: epoch, step: step, loss: value) }
                if InterruptSignal.isRaised { requestStop("interrupted at step \(step)", immediately: true) }
                if stopNow {
                    epochSeconds += Date().timeIntervalSince(start)
                    interrupted = true
                    break epochLoop
                }
                if let maxSteps, step >= maxSteps {
                    reachedMaxSteps = true
                    break
                }
            }
            epochSeconds += Date().timeIntervalSince(start)
            try endEpoch(epoch, validation: validation)
            if reachedMaxSteps { break }
        }
        history.stoppedEarly = stopReason
        var final = history
        for c in callbacks { c.trainingDidEnd(self, history: &final) }
        history = final
        return final
    }

    /// Validation, schedule, plateau detection, the epoch's log and the callbacks at the end of an epoch.
    private func endEpoch(_ epoch: Int, validation: DataLoader?) throws {
        let evaluation = try validation.map { try evaluate($0) }
        if !scheduleEveryStep, let schedule { apply(schedule, at: epoch) }
        let trainLoss = lossSum / Double(max(samples, 1))
        if reduceOnPlateau != nil {
            let metric: Double
            switch plateauMonitor {
            case .trainLoss: metric = trainLoss
            case .trainAccuracy: metric = classification?.accuracy ?? trainLoss
            case .validationLoss: metric = evaluation?.loss ?? trainLoss
            case .validationAccuracy: metric = evaluation?.accuracy ?? evaluation?.loss ?? trainLoss
            }
            reduceOnPlateau!.step(metric, optimizer: optimizer)
        }
        let log = EpochLog(epoch: epoch, trainLoss: trainLoss, trainAccuracy: classification?.accuracy,
                           validationLoss: evaluation?.loss, validationAccuracy: evaluation?.accuracy,
                           learningRate: optimizer.lr, seconds: epochSeconds,
                           samplesPerSecond: Double(samples) / max(epochSeconds, 1e-9))
        completedEpochs = epoch
        batchInEpoch = 0
        history.epochs.append(log)
        for c in callbacks { c.epochDidEnd(self, log: log) }
    }

    /// Sets the scheduled learning rates at `step`, scaled by the rollbacks so far.
    private func apply(_ schedule: any LearningRateSchedule, at step: Int) {
        optimizer.apply(schedule, at: step)
        if learningRateScale != 1 { optimizer.learningRates = optimizer.learningRates.map { $0 * learningRateScale } }
    }

    private func resetEpochSums() {
        lossSum = 0
        samples = 0
        epochSeconds = 0
        classification = nil
    }

    /// "the gradient of `name` holds NaN/inf" for the first parameter with a non-finite gradient, if any.
    private func firstNonFiniteGradient() -> String? {
        for (name, p) in model.namedParameters() {
            guard let g = p.grad else { continue }
            let finite = g.withUnsafeBufferPointer { b in
                var ok = true
                for v in b where !v.isFinite { ok = false; break }
                return ok
            }
            if !finite { return "the gradient of '\(name)' is not finite" }
        }
        return nil
    }

    /// The trainer's progress, for a checkpoint (weights and optimizer state are saved beside it).
    public var state: TrainerState {
        return TrainerState(step: step, completedEpochs: completedEpochs, batchInEpoch: batchInEpoch,
                            epochLossSum: lossSum, epochSamples: samples, epochSeconds: epochSeconds,
                            epochClassification: classification, generators: randomGenerators.map { GeneratorState(seed: $0.state.seed, offset: $0.state.offset) },
                            reduceOnPlateau: reduceOnPlateau, learningRateScale: learningRateScale,
                            rollbacks: rollbacks, stopReason: interrupted ? nil : stopReason, history: history)
    }

    /// Continues from `state` (with the weights and optimizer state restored separately): the next
    /// ``fit(_:validation:epochs:maxSteps:)`` picks up at the saved step, batch and random state.
    public func restore(_ state: TrainerState) {
        step = state.step
        completedEpochs = state.completedEpochs
        batchInEpoch = state.batchInEpoch
        lossSum = state.epochLossSum
        samples = state.epochSamples
        epochSeconds = state.epochSeconds
        classification = state.epochClassification
        for (g, saved) in zip(randomGenerators, state.generators) { g.state = (saved.seed, saved.offset) }
        reduceOnPlateau = state.reduceOnPlateau
        learningRateScale = state.learningRateScale
        rollbacks = state.rollbacks
        stopReason = state.stopReason
        history = state.history
        epochStart = nil
        restored = true
    }

    /// The loss and metrics of the model on `data`, in eval mode and without gradients; the model's mode is
    /// restored afterwards.
    public func evaluate(_ data: DataLoader) throws -> Evaluation {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad {
            var classification: ClassificationMetrics?
            var regression: RegressionMetrics?
            var lossSum = 0.0, samples = 0
            var batches = data.epoch(0).makeIterator()
            while let batch = try batches.nextBatch() {
                let output = model(batch.inputs)
                let loss = objective.loss(output, batch).item
                lossSum += Double(loss) * Double(batch.count)
                samples += batch.count
                if let labels = batch.labels, output.rank == 2 {
                    if classification == nil { classification = ClassificationMetrics(classes: output.shape[1]) }
                    classification!.add(logits: output, labels: labels, meanLoss: loss)
                } else if let targets = batch.targets {
                    if regression == nil { regression = RegressionMetrics() }
                    regression!.add(predictions: output, targets: targets.reshaped(output.shape), meanLoss: loss)
                }
            }
            return Evaluation(loss: lossSum / Double(max(samples, 1)), classification: classification, regression: regression)
        }
    }

    /// The state a rollback returns to: weights, optimizer state, counters and the random generators.
    struct Snapshot {
        let weights: [(String, Tensor)]
        let optimizerState: OptimizerState
        let trainerState: TrainerState

        init(weights: [(String, Tensor)], optimizerState: OptimizerState, trainerState: TrainerState) {
            self.weights = weights
            self.optimizerState = optimizerState
            self.trainerState = trainerState
        }

        init(_ trainer: Trainer) {
            self.init(weights: trainer.model.stateDict(), optimizerState: trainer.optimizer.stateDict(),
                      trainerState: trainer.state)
        }

        /// Puts the trainer back to this point, keeping its rollback count and learning-rate scale.
        ///
        /// - Throws: ``DescentError`` when the weights or optimizer state do not fit the trainer's (possible only
        ///   for a snapshot read from a checkpoint).
        func restore(_ trainer: Trainer) throws {
            try trainer.model.load(stateDict: weights)
            try trainer.optimizer.load(state: optimizerState)
            let scale = trainer.learningRateScale, rollbacks = trainer.rollbacks
            trainer.restore(trainerState)
            trainer.restored = false
            trainer.learningRateScale = scale
            trainer.rollbacks = rollbacks
            trainer.epochStart = self
        }
    }
}
