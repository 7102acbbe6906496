import Descent

/// The saved state of a callback: numbers and strings as JSON-friendly values, and tensors (best weights).
public struct CallbackCheckpoint: Sendable {
    /// Scalar state by name.
    public var values: [String: Double]
    /// Tensors by name.
    public var tensors: [(String, Tensor)]

    /// A callback state.
    public init(values: [String: Double] = [:], tensors: [(String, Tensor)] = []) {
        self.values = values
        self.tensors = tensors
    }
}

/// A callback whose state is part of a checkpoint (early stopping's best value and weights), so that a resumed
/// run behaves exactly as the uninterrupted one.
public protocol CheckpointableCallback: TrainingCallback {
    /// A name unique among the trainer's callbacks, used for the checkpoint's files (`early_stopping`).
    var checkpointName: String { get }
    /// The current state.
    func checkpointState() -> CallbackCheckpoint
    /// Restores a state saved by ``checkpointState()``.
    func restore(_ state: CallbackCheckpoint) throws
}
