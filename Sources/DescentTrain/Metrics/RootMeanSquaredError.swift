import Descent
import DescentData

/// Root mean squared error over every output element: `RMSE = √(Σ(ŷ − y)² / n)` (NaN before any sample).
public final class RootMeanSquaredError: Metric {
    private var sum = 0.0, count = 0

    /// An empty accumulator.
    public init() {}

    /// `rmse`.
    public var name: String { "rmse" }

    /// Adds a batch of predictions and its tensor targets.
    public func update(output: Tensor, batch: Batch) {
        let targets = batch.targetValues(for: output, metric: "RootMeanSquaredError")
        for (p, t) in zip(output.scalars, targets.scalars) {
            let e = Double(p) - Double(t)
            sum += e * e
        }
        count += output.count
    }

    /// The RMSE so far.
    public func compute() -> Double { count == 0 ? .nan : (sum / Double(count)).squareRoot() }

    /// Forgets the batches.
    public func reset() { (sum, count) = (0, 0) }
}
