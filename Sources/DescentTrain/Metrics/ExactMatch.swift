import Descent
import DescentData

/// Sequence exact match: the fraction of samples whose greedy decoding equals the target exactly,
/// `Σᵢ [decode(xᵢ) = yᵢ] / n` (NaN before any sample) — every token, and the length, must agree. For a
/// ``Seq2Seq`` on batches `[B, 2, T]` of (source, target) rows: the sources are decoded with
/// ``Seq2Seq/greedyDecode(_:maxLength:)`` (at most `T` tokens), and compared with the batch's targets `[B, T]`
/// up to their `<eos>`. The teacher-forced `output` is not used: the model must find every token itself.
public final class ExactMatch: Metric {
    /// The model decoding the sources.
    public let model: Seq2Seq
    /// Samples decoded, and those decoded exactly.
    public private(set) var count = 0, matches = 0

    /// An empty accumulator decoding with `model` (which the evaluation puts in eval mode).
    public init(model: Seq2Seq) { self.model = model }

    /// `exact_match`.
    public var name: String { "exact_match" }

    /// Decodes the batch's sources and compares each with its target.
    public func update(output: Tensor, batch: Batch) {
        guard let targets = batch.targets, batch.inputs.rank == 3, batch.inputs.shape[1] == 2,
            targets.count == batch.count * batch.inputs.shape[2]
        else {
            preconditionFailure("ExactMatch: needs [B, 2, T] inputs and [B, T] targets, got \(batch.inputs.shape)")
        }
        let steps = batch.inputs.shape[2], y = targets.scalars.map { Int($0) }
        let source = batch.inputs.slice(axis: 1, 0..<1).squeezed(1)
        let decoded = withNoGrad { model.greedyDecode(source, maxLength: steps) }
        for (b, tokens) in decoded.enumerated() {
            let row = y[(b * steps)..<((b + 1) * steps)]
            let target = Array(row.prefix { $0 != Seq2Seq.endIndex && $0 != Seq2Seq.padIndex })
            if tokens == target { matches += 1 }
        }
        count += decoded.count
    }

    /// The fraction decoded exactly so far.
    public func compute() -> Double { count == 0 ? .nan : Double(matches) / Double(count) }

    /// Forgets the batches.
    public func reset() { (count, matches) = (0, 0) }
}
