import Descent
import DescentData

/// Mean absolute error over every output element: `MAE = Σ|ŷ − y| / n` (NaN before any sample).
public final class MeanAbsoluteError: Metric {
    private var sum = 0.0, count = 0

    /// An empty accumulator.
    public init() {}

    /// `mae`.
    public var name: String { "mae" }

    /// Adds a batch of predictions and its tensor targets.
    public func update(output: Tensor, batch: Batch) {
        let targets = batch.targetValues(for: output, metric: "MeanAbsoluteError")
        for (p, t) in zip(output.scalars, targets.scalars) { sum += Swift.abs(Double(p) - Double(t)) }
        count += output.count
    }

    /// The MAE so far.
    public func compute() -> Double { count == 0 ? .nan : sum / Double(count) }

    /// Forgets the batches.
    public func reset() { (sum, count) = (0, 0) }
}
