import Descent
import DescentData

/// The coefficient of determination, per output column `j` and averaged uniformly over the columns (scikit-learn's
/// `r2_score`, `multioutput="uniform_average"`; torchmetrics' `R2Score`):
/// `R²ⱼ = 1 − Σᵢ(ŷᵢⱼ − yᵢⱼ)² / Σᵢ(yᵢⱼ − ȳⱼ)²`; a column with constant targets scores 1 when predicted exactly
/// and 0 otherwise (scikit-learn's `force_finite`). The output is `[B]` or `[B, outputs]`.
public final class R2Score: Metric {
    private var n = 0
    private var sums: [Double] = [], squares: [Double] = [], residuals: [Double] = []

    /// An empty accumulator.
    public init() {}

    /// `r2`.
    public var name: String { "r2" }

    /// Adds a batch of predictions and its tensor targets.
    public func update(output: Tensor, batch: Batch) {
        let targets = batch.targetValues(for: output, metric: "R2Score")
        let rows = output.shape.first ?? 1
        let columns = output.count / max(rows, 1)
        if sums.isEmpty {
            (sums, squares, residuals) = (
                .init(repeating: 0, count: columns), .init(repeating: 0, count: columns),
                .init(repeating: 0, count: columns)
            )
        }
        precondition(sums.count == columns, "R2Score: \(columns) outputs per sample after \(sums.count)")
        let p = output.scalars, y = targets.scalars
        for i in 0..<rows {
            for j in 0..<columns {
                let t = Double(y[i * columns + j]), e = Double(p[i * columns + j]) - t
                sums[j] += t
                squares[j] += t * t
                residuals[j] += e * e
            }
        }
        n += rows
    }

    /// R² so far (NaN before any sample).
    public func compute() -> Double {
        guard n > 0 else { return .nan }
        var total = 0.0
        for j in sums.indices {
            let mean = sums[j] / Double(n)
            let spread = squares[j] - Double(n) * mean * mean
            total += spread == 0 ? (residuals[j] == 0 ? 1 : 0) : 1 - residuals[j] / spread
        }
        return total / Double(sums.count)
    }

    /// Forgets the batches.
    public func reset() { (n, sums, squares, residuals) = (0, [], [], []) }
}
