import Descent
import DescentData
import Foundation

/// What the model is trained to minimise, given the model's output and the batch.
public enum Objective: Sendable {
    /// Cross-entropy of logits `[B, C]` against the batch's class labels, with optional label smoothing.
    case crossEntropy(labelSmoothing: Float = 0)
    /// Mean squared error against the batch's tensor targets (regression).
    case meanSquaredError
    /// Any differentiable scalar function of (output, batch).
    case custom(@Sendable (Tensor, Batch) -> Tensor)

    /// The scalar loss of `output` on `batch`.
    public func loss(_ output: Tensor, _ batch: Batch) -> Tensor {
        switch self {
        case .crossEntropy(let smoothing):
            guard let labels = batch.labels else {
                preconditionFailure("Objective.crossEntropy: the batch has no class labels")
            }
            return Descent.crossEntropy(output, labels, labelSmoothing: smoothing)
        case .meanSquaredError:
            guard let targets = batch.targets else {
                preconditionFailure("Objective.meanSquaredError: the batch has no tensor targets")
            }
            return mseLoss(output, targets.reshaped(output.shape))
        case .custom(let f):
            return f(output, batch)
        }
    }
}

/// What to do when a training loss or gradient is NaN or infinite.
public enum NonFiniteLossPolicy: String, Sendable, Codable, CaseIterable {
    /// End training, reporting the step (the weights are those before that step).
    case stop
    /// Skip that step's update and go on.
    case skipStep = "skip"
    /// Restore the state at the start of the epoch (weights, optimizer, random state), multiply the learning
    /// rate by ``Trainer/rollbackFactor`` and run the epoch again; stops after ``Trainer/maxRollbacks``.
    case rollback
}

/// How often the trainer validates.
public enum EvaluationInterval: Sendable, Codable, Equatable {
    /// After every epoch (the default).
    case epoch
    /// Every `n` optimizer steps, and after every epoch.
    case steps(Int)
}

/// The results of evaluating a model on a data set.
public struct Evaluation: Sendable {
    /// Mean loss per sample.
    public var loss: Double
    /// Classification metrics, when the data has class labels.
    public var classification: ClassificationMetrics?
    /// Regression metrics, when the data has tensor targets.
    public var regression: RegressionMetrics?
    /// Accuracy, for classification.
    public var accuracy: Double? { classification?.accuracy }
}

/// Runs the training walk — batches → model → loss → gradients → optimizer — for a number of epochs, with
/// validation after each epoch, learning-rate schedules, gradient clipping and callbacks (Keras' `fit`).
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
    /// Reduce the learning rate when the validation loss (or, without validation, the training loss) plateaus.
    public var reduceOnPlateau: ReduceLROnPlateau?
    /// Clip the global gradient norm to this value before each step.
    public var clipGradientNorm: Float?
    /// Clip every gradient element into `[−v, v]` before each step.
    public var clipGradientValue: Float?
    /// What to do with a non-finite loss.
    public var nonFiniteLoss: NonFiniteLossPolicy = .stop
    /// Callbacks, called in order.
    public var callbacks: [any TrainingCallback] = []
    /// Optimizer steps taken so far.
    public private(set) var step = 0
    private var stopReason: String?

    /// A trainer for `model` with `optimizer` (built over the model's parameters) and `objective`.
    public init(model: Module, optimizer: any Optimizer, objective: Objective = .crossEntropy()) {
        self.model = model
        self.optimizer = optimizer
        self.objective = objective
    }

    /// Asks the loop to stop after the current epoch, with a reason recorded in the history.
    public func requestStop(_ reason: String) {
        if stopReason == nil { stopReason = reason }
    }

    /// Trains for `epochs` epochs over `train`, evaluating on `validation` after each epoch.
    ///
    /// - Throws: errors from loading batches (a ``DescentError`` naming the file or sample).
    @discardableResult
    public func fit(_ train: DataLoader, validation: DataLoader? = nil, epochs: Int) throws -> History {
        precondition(epochs >= 0, "fit: epochs must be non-negative")
        var history = History()
        stopReason = nil
        for c in callbacks { c.trainingWillBegin(self, epochs: epochs, stepsPerEpoch: train.batchesPerEpoch) }
        epochLoop: for epoch in 1...max(epochs, 1) where epochs > 0 {
            model.train()
            var classification: ClassificationMetrics?
            var lossSum = 0.0, samples = 0
            let start = Date()
            var batches = train.epoch(epoch - 1).makeIterator()
            while let batch = try batches.nextBatch() {
                optimizer.zeroGrad()
                let output = model(batch.inputs)
                let loss = objective.loss(output, batch)
                let value = loss.item
                if !value.isFinite {
                    let reason = "non-finite loss \(value) at step \(step + 1) (epoch \(epoch))"
                    if nonFiniteLoss == .stop {
                        requestStop(reason)
                        break epochLoop
                    }
                    continue
                }
                loss.backward()
                let parameters = optimizer.parameters
                if let v = clipGradientValue { clipGradValue(parameters, v) }
                if let n = clipGradientNorm { _ = clipGradNorm(parameters, maxNorm: n) }
                optimizer.step()
                step += 1
                if scheduleEveryStep, let schedule { optimizer.apply(schedule, at: step) }
                lossSum += Double(value) * Double(batch.count)
                samples += batch.count
                if let labels = batch.labels, output.rank == 2 {
                    if classification == nil { classification = ClassificationMetrics(classes: output.shape[1]) }
                    classification!.add(logits: output.detach(), labels: labels, meanLoss: value)
                }
                for c in callbacks { c.stepDidEnd(self, epoch: epoch, step: step, loss: value) }
            }
            let seconds = Date().timeIntervalSince(start)
            let evaluation = try validation.map { try evaluate($0) }
            if !scheduleEveryStep, let schedule { optimizer.apply(schedule, at: epoch) }
            if reduceOnPlateau != nil {
                let metric = evaluation?.loss ?? lossSum / Double(max(samples, 1))
                reduceOnPlateau!.step(metric, optimizer: optimizer)
            }
            let log = EpochLog(epoch: epoch, trainLoss: lossSum / Double(max(samples, 1)),
                               trainAccuracy: classification?.accuracy, validationLoss: evaluation?.loss,
                               validationAccuracy: evaluation?.accuracy, learningRate: optimizer.lr, seconds: seconds,
                               samplesPerSecond: Double(samples) / max(seconds, 1e-9))
            history.epochs.append(log)
            for c in callbacks { c.epochDidEnd(self, log: log) }
            if stopReason != nil { break }
        }
        history.stoppedEarly = stopReason
        for c in callbacks { c.trainingDidEnd(self, history: &history) }
        return history
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
}
