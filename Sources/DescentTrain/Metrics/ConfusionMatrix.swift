import Descent
import DescentData

/// The confusion matrix `M[t][p]`: samples of true class `t` predicted (highest score) as `p` (scikit-learn's
/// `confusion_matrix`; rows are true classes).
public final class ConfusionMatrix: Metric {
    /// Number of classes.
    public let classes: Int
    private var counts: [[Int]]

    /// An empty matrix for `classes` classes.
    public init(classes: Int) {
        self.classes = classes
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// `confusion_matrix`.
    public var name: String { "confusion_matrix" }

    /// Adds a batch of logits `[B, classes]` and its labels.
    public func update(output: Tensor, batch: Batch) {
        let labels = batch.classLabels(for: output, metric: "ConfusionMatrix")
        precondition(output.shape[1] == classes, "ConfusionMatrix: output \(output.shape) for \(classes) classes")
        for (p, y) in zip(output.argmax(axis: 1), labels) { counts[y][p] += 1 }
    }

    /// The matrix so far.
    public func compute() -> [[Int]] { counts }

    /// Forgets the batches.
    public func reset() { counts = Array(repeating: Array(repeating: 0, count: classes), count: classes) }
}
