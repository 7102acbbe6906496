/// When and what to checkpoint during training.
public struct CheckpointPolicy: Sendable, Codable, Equatable {
    /// Save a checkpoint every this many epochs (`nil`: not per epoch).
    public var everyEpochs: Int?
    /// Save a checkpoint every this many optimizer steps (`nil`: not per step).
    public var everySteps: Int?
    /// How many of the most recent checkpoints to keep (at least 1).
    public var keep: Int
    /// Also keep the weights of the best epoch by `monitor` in `best/`.
    public var saveBest: Bool
    /// The quantity that decides the best epoch.
    public var monitor: MonitoredMetric

    /// A policy; by default one checkpoint per epoch, the last two kept, and the best by validation loss.
    public init(
        everyEpochs: Int? = 1, everySteps: Int? = nil, keep: Int = 2, saveBest: Bool = true,
        monitor: MonitoredMetric = .validationLoss
    ) {
        self.everyEpochs = everyEpochs
        self.everySteps = everySteps
        self.keep = keep
        self.saveBest = saveBest
        self.monitor = monitor
    }
}
