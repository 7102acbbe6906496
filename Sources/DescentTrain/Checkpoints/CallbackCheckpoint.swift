import Descent

/// The saved state of a callback: numbers as JSON values (`callbacks/KEY.json`) and tensors such as best weights
/// (`callbacks/KEY.safetensors`); see ``CheckpointFolder/writeCallback(_:key:)``.
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
