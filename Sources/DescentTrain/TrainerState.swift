import Descent

/// Everything besides weights and optimizer state that a resumed run needs to continue exactly: position in
/// the data, counters, the partial epoch's sums, the default random generator, plateau and rollback state,
/// and the history so far.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var step: Int
    /// Epochs completed.
    public var completedEpochs: Int
    /// Batches of the current epoch already trained on.
    public var batchInEpoch: Int
    /// Sum of loss × batch size over the current epoch so far.
    public var epochLossSum: Double
    /// Samples of the current epoch so far.
    public var epochSamples: Int
    /// Seconds spent in the current epoch so far.
    public var epochSeconds: Double
    /// Training classification metrics of the current epoch so far.
    public var epochClassification: ClassificationMetrics?
    /// Seed and position of each of ``Trainer/generators`` (dropout masks and other draws of the model).
    public var generators: [GeneratorState]
    /// The plateau detector's state.
    public var reduceOnPlateau: ReduceLROnPlateau?
    /// Factor on scheduled learning rates left by rollbacks.
    public var learningRateScale: Double
    /// Rollbacks so far.
    public var rollbacks: Int
    /// Why training stopped, if it has (an interruption is not kept: the resumed run goes on).
    public var stopReason: String?
    /// The history so far.
    public var history: History
}

/// The seed and position of a ``RandomGenerator``.
public struct GeneratorState: Codable, Sendable, Equatable {
    /// The seed.
    public var seed: UInt64
    /// Blocks drawn so far.
    public var offset: UInt64
}
