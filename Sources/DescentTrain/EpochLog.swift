/// What one epoch of training measured.
public struct EpochLog: Sendable, Codable, Equatable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (weighted by batch size).
    public var trainLoss: Double
    /// Training accuracy (classification), measured on the fly in training mode.
    public var trainAccuracy: Double?
    /// Mean validation loss, when a validation loader is given.
    public var validationLoss: Double?
    /// Validation accuracy (classification; token accuracy for a language model), when a validation loader is
    /// given.
    public var validationAccuracy: Double?
    /// The validation figures of the extra metrics (``Evaluation/metrics``, such as `exact_match`), when there are.
    public var validationMetrics: [String: Double]?
    /// Validation perplexity `exp(loss per token)` (language models), when a validation loader is given.
    public var validationPerplexity: Double?
    /// Learning rate of the first parameter group at the end of the epoch.
    public var learningRate: Double
    /// Wall-clock seconds of the epoch's training steps (validation excluded).
    public var seconds: Double
    /// Training samples per second.
    public var samplesPerSecond: Double

    /// A record of one epoch.
    public init(
        epoch: Int, trainLoss: Double, trainAccuracy: Double? = nil, validationLoss: Double? = nil,
        validationAccuracy: Double? = nil, validationPerplexity: Double? = nil, learningRate: Double, seconds: Double,
        samplesPerSecond: Double
    ) {
        self.validationPerplexity = validationPerplexity
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
    }

    /// The value of a monitored quantity by name (`train_loss`, `train_accuracy`, `val_loss`, `val_accuracy`).
    public func value(of metric: MonitoredMetric) -> Double? {
        switch metric {
        case .trainLoss: return trainLoss
        case .trainAccuracy: return trainAccuracy
        case .validationLoss: return validationLoss
        case .validationAccuracy: return validationAccuracy
        }
    }
}

/// A quantity that callbacks such as early stopping can watch.
public enum MonitoredMetric: String, Sendable, Codable, CaseIterable {
    case trainLoss = "train_loss", trainAccuracy = "train_accuracy"
    case validationLoss = "val_loss", validationAccuracy = "val_accuracy"

    /// Whether larger values are better (accuracies) or smaller (losses).
    public var higherIsBetter: Bool { self == .trainAccuracy || self == .validationAccuracy }
}

/// One validation pass run every N steps (``StepValidation``), between epoch ends.
public struct EvaluationLog: Sendable, Codable, Equatable {
    /// Optimizer steps taken when it ran.
    public var step: Int
    /// The epoch it ran in, from 1.
    public var epoch: Int
    /// Mean validation loss.
    public var loss: Double
    /// Validation accuracy (classification; token accuracy for a language model).
    public var accuracy: Double?
    /// Validation perplexity (language models).
    public var perplexity: Double?
    /// Learning rate of the first parameter group at that step.
    public var learningRate: Double

    /// A record of one evaluation.
    public init(
        step: Int, epoch: Int, loss: Double, accuracy: Double?, perplexity: Double? = nil, learningRate: Double
    ) {
        self.perplexity = perplexity
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.learningRate = learningRate
    }
}

/// The epochs of one training run.
public struct History: Sendable, Codable, Equatable {
    /// One entry per completed epoch.
    public var epochs: [EpochLog] = []
    /// Validations run every N steps (empty when validation runs once per epoch).
    public var evaluations: [EvaluationLog] = []
    /// Why training stopped before the last epoch, if it did.
    public var stoppedEarly: String?
    /// Epoch whose weights the model holds at the end when best weights were restored.
    public var restoredEpoch: Int?

    /// An empty history.
    public init() {}
}
