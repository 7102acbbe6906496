import Descent

/// Stops training when a monitored metric has not improved for `patience` epochs (Keras' `EarlyStopping`),
/// and optionally restores the weights of the best epoch at the end of training, whether or not it stopped
/// early.
///
/// An epoch improves on the best value `b` when `v < b − minDelta` (losses) or `v > b + minDelta` (accuracies).
public final class EarlyStopping: TrainingCallback, Checkpointable {
    /// The watched quantity.
    public let monitor: MonitoredMetric
    /// Epochs without improvement before stopping.
    public let patience: Int
    /// The smallest change that counts as an improvement.
    public let minDelta: Double
    /// Load the best epoch's weights when training ends.
    public let restoreBestWeights: Bool
    /// Best value so far and its epoch.
    public private(set) var best: (value: Double, epoch: Int)?
    private var bestState: [(String, Tensor)]?
    private var wait = 0

    /// Early stopping on `monitor` (default: validation loss).
    public init(
        monitor: MonitoredMetric = .validationLoss, patience: Int = 5, minDelta: Double = 0,
        restoreBestWeights: Bool = true
    ) {
        precondition(patience >= 0, "EarlyStopping: patience must be non-negative")
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
    }

    /// Records an improvement (and the weights) or counts a stale epoch, stopping after `patience` of them.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        guard let v = log.value(of: monitor), v.isFinite else { return }
        let improved: Bool
        if let best {
            improved = monitor.higherIsBetter ? v > best.value + minDelta : v < best.value - minDelta
        } else {
            improved = true
        }
        if improved {
            best = (v, log.epoch)
            wait = 0
            if restoreBestWeights { bestState = state.model.stateDict() }
        } else {
            wait += 1
            if wait > patience {
                state.stop(
                    reason:
                        "early stopping: \(monitor.rawValue) has not improved for \(wait) epochs (best \(best!.value) at epoch \(best!.epoch))"
                )
            }
        }
    }

    /// Restores the best epoch's weights, if asked to (not when the run was interrupted: it is not over).
    public func trainingDidEnd(_ state: inout TrainingState) {
        guard restoreBestWeights, !state.interrupted, let bestState, let best else { return }
        _ = try? state.model.load(stateDict: bestState)
        state.progress.history.restoredEpoch = best.epoch
    }

    /// `early_stopping`.
    public var checkpointKey: String { "early_stopping" }

    /// Writes the best value and epoch, the count of stale epochs, and the best weights.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        var values = ["wait": Double(wait)]
        if let best { values["best"] = best.value; values["best_epoch"] = Double(best.epoch) }
        try folder.writeCallback(CallbackCheckpoint(values: values, tensors: bestState ?? []), key: checkpointKey)
    }

    /// Restores the saved state.
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        restore(try folder.readCallback(key: checkpointKey))
    }

    /// Restores a saved state.
    public func restore(_ state: CallbackCheckpoint) {
        wait = Int(state.values["wait"] ?? 0)
        if let v = state.values["best"], let e = state.values["best_epoch"] { best = (v, Int(e)) } else { best = nil }
        bestState = state.tensors.isEmpty ? nil : state.tensors
    }
}
