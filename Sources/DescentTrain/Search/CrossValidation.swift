import Foundation

/// How a k-fold search (`search.folds: K`) scores a trial from its K fold runs (`trials/NNN/fold-k/`, fold k of
/// the training data held out for validation): the mean over the folds of each epoch's measures, and the best
/// epoch of that mean curve by the metric. The trial's score is the mean of the folds' metrics at that one
/// epoch (as scikit-learn's `mean_test_score`), its spread their standard deviation (`std_test_score`, ddof 0).
public enum CrossValidation {
    /// The epochs every fold reached, each the mean over `folds` of the losses, accuracies, learning rate,
    /// seconds and throughput (a measure missing from some fold is left out); `stoppedEarly` and
    /// `restoredEpoch` are not carried over.
    public static func meanHistory(_ folds: [History]) -> History {
        var mean = History()
        guard let count = folds.map(\.epochs.count).min(), count > 0 else { return mean }
        for e in 0..<count {
            let logs = folds.map { $0.epochs[e] }
            func average(_ value: (EpochLog) -> Double?) -> Double? {
                let values = logs.compactMap(value)
                return values.count == logs.count ? Self.mean(values) : nil
            }
            mean.epochs.append(
                EpochLog(
                    epoch: logs[0].epoch, trainLoss: average(\.trainLoss)!, trainAccuracy: average(\.trainAccuracy),
                    validationLoss: average(\.validationLoss), validationAccuracy: average(\.validationAccuracy),
                    learningRate: average(\.learningRate)!, seconds: average(\.seconds)!,
                    samplesPerSecond: average(\.samplesPerSecond)!))
        }
        return mean
    }

    /// The score of a trial from its folds' histories: the epoch (from 1) whose mean `metric` over the folds is
    /// best (the earlier on a tie), the folds' values there, their mean and standard deviation; `nil` when no
    /// epoch has a finite mean.
    public static func score(_ folds: [History], metric: MonitoredMetric)
        -> (metric: Double, epoch: Int, foldMetrics: [Double], spread: Double)?
    {
        let mean = meanHistory(folds)
        var best: (index: Int, value: Double)?
        for (i, e) in mean.epochs.enumerated() {
            guard let v = e.value(of: metric), v.isFinite else { continue }
            if let b = best, metric.higherIsBetter ? v <= b.value : v >= b.value { continue }
            best = (i, v)
        }
        guard let best else { return nil }
        let values = folds.map { $0.epochs[best.index].value(of: metric)! }
        return (Self.mean(values), mean.epochs[best.index].epoch, values, standardDeviation(values))
    }

    /// The arithmetic mean of `values`, summed in order.
    public static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    /// The population standard deviation (ddof 0) of `values`.
    public static func standardDeviation(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
    }
}
