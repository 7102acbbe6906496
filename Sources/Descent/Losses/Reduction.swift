/// How a loss turns its per-element (or per-sample) values into the returned tensor, as torch.nn's `reduction`.
public enum Reduction: String, Sendable, CaseIterable {
    /// The mean of the values: `Σ ℓᵢ / n` (weighted losses divide by the sum of the weights used, as PyTorch).
    case mean
    /// The sum of the values: `Σ ℓᵢ`.
    case sum
    /// No reduction: the values themselves, `ℓᵢ`.
    case none
}
