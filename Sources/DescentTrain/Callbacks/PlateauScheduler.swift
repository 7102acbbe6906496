import Descent

/// Reduce-on-plateau as a callback: at the end of each epoch, steps a ``ReduceLROnPlateau`` detector with the
/// monitored metric (falling back to the training loss when it is missing) and lowers the optimizer's learning
/// rates when it says so. Its detector state is part of checkpoints.
public final class PlateauScheduler: TrainingCallback, Checkpointable {
    /// The detector (its counters change as epochs pass).
    public private(set) var detector: ReduceLROnPlateau
    /// The watched metric.
    public let monitor: MonitoredMetric

    /// A scheduler stepping `detector` with `monitor` (without validation data, the training loss).
    public init(_ detector: ReduceLROnPlateau, monitor: MonitoredMetric = .validationLoss) {
        self.detector = detector
        self.monitor = monitor
    }

    /// Steps the detector with the epoch's value of ``monitor``.
    public func epochWillEnd(_ state: inout TrainingState, validation: Evaluation?) {
        let trainLoss = state.epochLoss
        let metric: Double
        switch monitor {
        case .trainLoss: metric = trainLoss
        case .trainAccuracy: metric = state.epochAccuracy ?? trainLoss
        case .validationLoss: metric = validation?.loss ?? trainLoss
        case .validationAccuracy: metric = validation?.accuracy ?? validation?.loss ?? trainLoss
        }
        _ = detector.step(metric, optimizer: state.optimizer)
    }

    /// `reduce_on_plateau`.
    public var checkpointKey: String { "reduce_on_plateau" }

    /// Writes the detector as `callbacks/reduce_on_plateau.json`.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.subfolder(creating: "callbacks").write(detector, to: checkpointKey + ".json")
    }

    /// Reads the detector back (from `trainer.json` for a checkpoint written before this callback had its file).
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        let callbacks = CheckpointFolder(url: folder.file("callbacks"))
        if callbacks.contains(checkpointKey + ".json") {
            detector = try callbacks.read(ReduceLROnPlateau.self, from: checkpointKey + ".json")
        } else if let legacy = try folder.read(LegacyState.self, from: "trainer.json").reduceOnPlateau {
            detector = legacy
        }
    }

    /// The detector as checkpoints before ``PlateauScheduler`` kept it.
    private struct LegacyState: Decodable { var reduceOnPlateau: ReduceLROnPlateau? }
}
