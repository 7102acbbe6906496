import Foundation

extension Evaluation {
    /// `exact match 97.10% (1942/2000)  token accuracy 99.52%  perplexity 1.0213  loss 0.0211` for an evaluation
    /// with an ``ExactMatch`` figure (and token metrics); `nil` without one.
    public var exactMatchSummary: String? {
        guard let exact = metrics["exact_match"] else { return nil }
        var line = String(
            format: "exact match %.2f%% (%d/%d)", 100 * exact, Int((exact * Double(samples)).rounded()), samples)
        if let s = sequence {
            line += String(format: "  token accuracy %.2f%%  perplexity %.4f", 100 * s.accuracy, s.perplexity)
        }
        return line + String(format: "  loss %.4f", loss)
    }
}
