import Descent
import DescentData

/// Classification accuracy: the fraction of samples whose highest score is the true class,
/// `Σᵢ [argmax ŷᵢ = yᵢ] / n` (NaN before any sample).
public final class Accuracy: Metric {
    private var correct = 0, count = 0

    /// An empty accumulator.
    public init() {}

    /// `accuracy`.
    public var name: String { "accuracy" }

    /// Adds a batch of logits `[B, C]` and its labels.
    public func update(output: Tensor, batch: Batch) {
        let labels = batch.classLabels(for: output, metric: "Accuracy")
        for (p, y) in zip(output.argmax(axis: 1), labels) where p == y { correct += 1 }
        count += labels.count
    }

    /// The accuracy so far.
    public func compute() -> Double { count == 0 ? .nan : Double(correct) / Double(count) }

    /// Forgets the batches.
    public func reset() { (correct, count) = (0, 0) }
}
