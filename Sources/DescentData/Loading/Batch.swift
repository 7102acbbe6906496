import Descent

/// A batch of samples joined by a ``DataLoader``: stacked inputs and either the class labels or the stacked
/// tensor targets.
public struct Batch: Sendable, Equatable {
    /// Inputs, `[B, ...]`.
    public var inputs: Tensor
    /// Class index of each sample, when the targets are classes.
    public var labels: [Int]?
    /// Targets, `[B, ...]`, when the targets are tensors.
    public var targets: Tensor?
    /// Dataset index of each sample, in batch order.
    public var indices: [Int]
    /// The inputs' shapes before padding (set by ``Collation/pad(value:)``).
    public var inputShapes: [[Int]]?

    /// A batch from its parts.
    public init(inputs: Tensor, labels: [Int]?, targets: Tensor?, indices: [Int], inputShapes: [[Int]]? = nil) {
        self.inputs = inputs
        self.labels = labels
        self.targets = targets
        self.indices = indices
        self.inputShapes = inputShapes
    }

    /// Number of samples.
    public var count: Int { inputs.shape.first ?? 0 }

    /// This batch with labels and targets replaced.
    func with(targets t: ([Int]?, Tensor?)) -> Batch {
        var b = self
        b.labels = t.0
        b.targets = t.1
        return b
    }
}
