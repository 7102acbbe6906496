import Descent

/// The classification summary of an evaluation (the report's and `metrics.json`'s figures, and the training
/// accuracy a checkpoint keeps): mean loss, accuracy, top-k accuracy (as ``TopKAccuracy``), the confusion matrix
/// (as ``ConfusionMatrix``) and per-class precision, recall and F1.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
    /// Number of classes.
    public let classes: Int
    /// `confusion[t][p]`: samples of true class `t` predicted as `p`.
    public private(set) var confusion: [[Int]]
    /// Samples seen.
    public private(set) var count = 0
    /// Sum of per-sample losses.
    public private(set) var lossSum: Double = 0
    /// `k` of the top-k accuracy.
    public let topK: Int
    private var topKHits = 0

    /// Empty metrics for `classes` classes, also tracking top-`topK` accuracy.
    public init(classes: Int, topK: Int = 5) {
        self.classes = classes
        self.topK = max(1, min(topK, classes))
        confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// Adds a batch: `logits` `[B, classes]`, true `labels`, and the batch's mean loss.
    public mutating func add(logits: Tensor, labels: [Int], meanLoss: Float) {
        precondition(
            logits.shape == [labels.count, classes],
            "ClassificationMetrics: logits \(logits.shape) for \(labels.count) labels and \(classes) classes")
        for (label, predicted) in zip(labels, logits.argmax(axis: 1)) { confusion[label][predicted] += 1 }
        topKHits += TopKAccuracy.hits(logits, labels: labels, k: topK)
        count += labels.count
        lossSum += Double(meanLoss) * Double(labels.count)
    }

    /// The sums behind the figures, `[count, lossSum, topKHits, confusion row by row]`, for a sum over ranks.
    var sums: [Double] {
        [Double(count), lossSum, Double(topKHits)] + confusion.flatMap { $0.map(Double.init) }
    }

    /// Adds sums laid out as ``sums`` (from another rank or a reduction).
    mutating func add(sums s: [Double]) {
        precondition(s.count == 3 + classes * classes, "ClassificationMetrics: \(s.count) sums for \(classes) classes")
        count += Int(s[0])
        lossSum += s[1]
        topKHits += Int(s[2])
        for t in 0..<classes { for p in 0..<classes { confusion[t][p] += Int(s[3 + t * classes + p]) } }
    }

    /// Mean loss per sample.
    public var loss: Double { count == 0 ? .nan : lossSum / Double(count) }
    /// Fraction of samples whose top prediction is right.
    public var accuracy: Double {
        count == 0 ? .nan : Double((0..<classes).reduce(0) { $0 + confusion[$1][$1] }) / Double(count)
    }
    /// Fraction of samples whose true class is among the `topK` highest scores.
    public var topKAccuracy: Double { count == 0 ? .nan : Double(topKHits) / Double(count) }
    /// Per class: TP / (TP + FP) (0 when nothing was predicted as the class).
    public var precision: [Double] {
        (0..<classes).map { c in
            let predicted = (0..<classes).reduce(0) { $0 + confusion[$1][c] }
            return predicted == 0 ? 0 : Double(confusion[c][c]) / Double(predicted)
        }
    }
    /// Per class: TP / (TP + FN) (0 for a class without samples).
    public var recall: [Double] {
        (0..<classes).map { c in
            let actual = confusion[c].reduce(0, +)
            return actual == 0 ? 0 : Double(confusion[c][c]) / Double(actual)
        }
    }
    /// Per class: 2·P·R / (P + R).
    public var f1: [Double] {
        zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    }
}
