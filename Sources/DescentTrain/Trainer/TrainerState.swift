import Descent

/// The loop's progress, saved as a checkpoint's `trainer.json`: position in the data, counters, the partial
/// epoch's sums, the random generators, the learning-rate scale left by rollbacks, and the history so far.
/// (Callbacks with state, such as plateau detection or rollbacks, save their own; see ``Checkpointable``.)
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var step = 0
    /// Epochs completed.
    public var completedEpochs = 0
    /// Batches of the current epoch already trained on.
    public var batchInEpoch = 0
    /// Sum of loss × batch size over the current epoch so far.
    public var epochLossSum = 0.0
    /// Samples of the current epoch so far.
    public var epochSamples = 0
    /// Seconds spent in the current epoch so far.
    public var epochSeconds = 0.0
    /// Training classification metrics of the current epoch so far.
    public var epochClassification: ClassificationMetrics?
    /// Seed and position of each of ``Trainer/randomGenerators`` (dropout masks and other draws of the model).
    public var generators: [GeneratorState] = []
    /// Factor on scheduled learning rates left by rollbacks.
    public var learningRateScale = 1.0
    /// Why training stopped, if it has (an interruption is not kept: the resumed run goes on).
    public var stopReason: String?
    /// The history so far.
    public var history = History()

    /// The state of a run that has not started.
    public init() {}

    /// Clears the sums of the current epoch.
    mutating func resetEpoch() {
        epochLossSum = 0
        epochSamples = 0
        epochSeconds = 0
        epochClassification = nil
    }
}

/// The seed and position of a ``RandomGenerator``.
public struct GeneratorState: Codable, Sendable, Equatable {
    /// The seed.
    public var seed: UInt64
    /// Blocks drawn so far.
    public var offset: UInt64
}
