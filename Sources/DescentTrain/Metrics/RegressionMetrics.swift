import Descent

/// The regression summary of an evaluation (the report's and `metrics.json`'s figures): MAE, RMSE and R²
/// (coefficient of determination) over all output elements, as ``MeanAbsoluteError``, ``RootMeanSquaredError``
/// and, for one output per sample, ``R2Score``.
public struct RegressionMetrics: Sendable, Codable, Equatable {
    /// Samples (elements) seen.
    public private(set) var count = 0
    private var absSum: Double = 0, sqSum: Double = 0, targetSum: Double = 0, targetSqSum: Double = 0
    /// Sum of per-batch mean losses weighted by batch size.
    public private(set) var lossSum: Double = 0
    private var batches = 0

    /// Empty metrics.
    public init() {}

    /// Adds a batch of predictions and targets of the same shape, and its mean loss.
    public mutating func add(predictions: Tensor, targets: Tensor, meanLoss: Float) {
        precondition(
            predictions.shape == targets.shape,
            "RegressionMetrics: predictions \(predictions.shape) and targets \(targets.shape) differ")
        for (p, t) in zip(predictions.scalars, targets.scalars) {
            let e = Double(p - t)
            absSum += Swift.abs(e)
            sqSum += e * e
            targetSum += Double(t)
            targetSqSum += Double(t) * Double(t)
        }
        count += predictions.count
        lossSum += Double(meanLoss) * Double(predictions.shape.first ?? 1)
        batches += predictions.shape.first ?? 1
    }

    /// The sums behind the figures, `[count, absSum, sqSum, targetSum, targetSqSum, lossSum, batches]`, for a
    /// sum over ranks.
    var sums: [Double] { [Double(count), absSum, sqSum, targetSum, targetSqSum, lossSum, Double(batches)] }

    /// Adds sums laid out as ``sums`` (from another rank or a reduction).
    mutating func add(sums s: [Double]) {
        precondition(s.count == 7, "RegressionMetrics: \(s.count) sums, 7 expected")
        count += Int(s[0])
        absSum += s[1]
        sqSum += s[2]
        targetSum += s[3]
        targetSqSum += s[4]
        lossSum += s[5]
        batches += Int(s[6])
    }

    /// Mean loss per sample.
    public var loss: Double { batches == 0 ? .nan : lossSum / Double(batches) }
    /// Mean absolute error `Σ|ŷ − y| / n`.
    public var mae: Double { absSum / Double(count) }
    /// Root mean squared error `√(Σ(ŷ − y)² / n)`.
    public var rmse: Double { (sqSum / Double(count)).squareRoot() }
    /// `R² = 1 − Σ(ŷ − y)² / Σ(y − ȳ)²`.
    public var r2: Double {
        let mean = targetSum / Double(count)
        let total = targetSqSum - Double(count) * mean * mean
        return total == 0 ? .nan : 1 - sqSum / total
    }
}
