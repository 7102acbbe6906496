import Descent
import Foundation

/// The token-level summary of an evaluation of a sequence model (a language model, a decoder): the mean
/// cross-entropy per token, the perplexity `exp(mean loss)` and the token accuracy, counting only the tokens
/// whose target is not the ignore index.
public struct SequenceMetrics: Sendable, Codable, Equatable {
    /// Tokens counted (targets other than the ignore index).
    public private(set) var tokens = 0
    /// Sum of the per-token cross-entropies (nats).
    public private(set) var lossSum: Double = 0
    /// Tokens whose highest logit is the target.
    public private(set) var correct = 0
    /// The target index left out (padding).
    public let ignoreIndex: Int

    /// Empty metrics leaving out targets equal to `ignoreIndex`.
    public init(ignoreIndex: Int = -100) { self.ignoreIndex = ignoreIndex }

    /// Adds a batch: logits `[B, T, V]` and targets `[B, T]` of token indices.
    public mutating func add(logits: Tensor, targets: Tensor) {
        let (rows, vocabulary) = Objective.tokenLayout(logits, targets)
        let losses = crossEntropy(
            logits.reshaped([rows, vocabulary]), targets.scalars.map { Int($0) }, ignoreIndex: ignoreIndex,
            reduction: .none
        ).scalars
        let predicted = logits.reshaped([rows, vocabulary]).argmax(axis: 1)
        for (row, target) in targets.scalars.enumerated() where Int(target) != ignoreIndex {
            tokens += 1
            lossSum += Double(losses[row])
            if predicted[row] == Int(target) { correct += 1 }
        }
    }

    /// The sums behind the figures, `[tokens, lossSum, correct]`, for a sum over ranks.
    var sums: [Double] { [Double(tokens), lossSum, Double(correct)] }

    /// Adds sums laid out as ``sums`` (from another rank or a reduction).
    mutating func add(sums s: [Double]) {
        precondition(s.count == 3, "SequenceMetrics: \(s.count) sums, 3 expected")
        tokens += Int(s[0])
        lossSum += s[1]
        correct += Int(s[2])
    }

    /// Mean cross-entropy per token (nats).
    public var loss: Double { tokens == 0 ? .nan : lossSum / Double(tokens) }
    /// Perplexity, `exp(mean cross-entropy per token)`.
    public var perplexity: Double { Foundation.exp(loss) }
    /// Fraction of tokens whose highest logit is the target.
    public var accuracy: Double { tokens == 0 ? .nan : Double(correct) / Double(tokens) }
}
