import Descent
import DescentData

/// Top-k accuracy: the fraction of samples whose true class is among the `k` highest scores,
/// `Σᵢ [rank(ŷᵢ[yᵢ]) < k] / n`, where the rank counts the classes scoring higher (ties: lower index first).
public final class TopKAccuracy: Metric {
    /// `k`.
    public let k: Int
    private var hits = 0, count = 0

    /// Top-`k` accuracy (`k` ≥ 1).
    public init(k: Int) {
        precondition(k >= 1, "TopKAccuracy: k must be at least 1")
        self.k = k
    }

    /// `top<k>_accuracy`.
    public var name: String { "top\(k)_accuracy" }

    /// Adds a batch of logits `[B, C]` and its labels.
    public func update(output: Tensor, batch: Batch) {
        let labels = batch.classLabels(for: output, metric: "TopKAccuracy")
        hits += Self.hits(output, labels: labels, k: k)
        count += labels.count
    }

    /// How many rows of `logits` `[B, C]` rank their label among the `k` highest scores (ties: lower index first).
    static func hits(_ logits: Tensor, labels: [Int], k: Int) -> Int {
        let classes = logits.shape[1]
        var hits = 0
        logits.withUnsafeBufferPointer { p in
            for (i, label) in labels.enumerated() {
                let row = p.baseAddress! + i * classes
                let mine = row[label]
                var above = 0
                for c in 0..<classes where row[c] > mine || (row[c] == mine && c < label) { above += 1 }
                if above < k { hits += 1 }
            }
        }
        return hits
    }

    /// The top-k accuracy so far.
    public func compute() -> Double { count == 0 ? .nan : Double(hits) / Double(count) }

    /// Forgets the batches.
    public func reset() { (hits, count) = (0, 0) }
}
