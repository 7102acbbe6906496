import Foundation

/// How ``klDiv(_:_:reduction:logTarget:)`` combines its elementwise terms: torch.nn's reductions plus `batchmean`.
public enum KLDivReduction: String, Sendable, CaseIterable {
    /// The mean over all elements, `Σ ℓ / numel` (PyTorch's default, though not the mathematical KL divergence).
    case mean
    /// The sum over all elements, `Σ ℓ`.
    case sum
    /// No reduction: the elementwise terms `ℓ`.
    case none
    /// The sum divided by the batch size (the input's first dimension), `Σ ℓ / N`: the KL divergence per sample.
    case batchMean = "batchmean"
}

/// Kullback–Leibler divergence of log-probabilities `input` x from `target`: elementwise
/// `ℓ = y (log y − x)` (0 where y = 0), or `ℓ = eʸ (y − x)` when `logTarget` (target given as log-probabilities),
/// reduced (PyTorch's `kl_div`).
///
/// Both are differentiable: `∂ℓ/∂x = −y` (or `−eʸ`); `∂ℓ/∂y = log y + 1 − x` (NaN at y = 0, as in PyTorch),
/// or `eʸ (y − x + 1)` with `logTarget`.
public func klDiv(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false)
    -> Tensor
{
    let scale: Double?
    switch reduction {
    case .mean: scale = 1 / Double(input.count)
    case .sum: scale = 1
    case .none: scale = nil
    case .batchMean: scale = 1 / Double(input.rank == 0 ? 1 : input.shape[0])
    }
    if logTarget {
        return LossKernels.pointwise(
            "klDiv", input, target, scale: scale,
            loss: { x, y, _ in Foundation.exp(y) * (y - x) },
            dInput: { _, y, _ in -Foundation.exp(y) },
            dTarget: { x, y, _ in Foundation.exp(y) * (y - x + 1) })
    }
    return LossKernels.pointwise(
        "klDiv", input, target, scale: scale,
        loss: { x, y, _ in (y == 0 ? 0 : y * Foundation.log(y)) - y * x },
        dInput: { _, y, _ in -y },
        dTarget: { x, y, _ in (y == 0 ? 0 : Foundation.log(y)) + y / y - x })
}

/// Kullback–Leibler divergence as a configured loss value (torch.nn's `KLDivLoss`): `y (log y − x)`, or
/// `eʸ (y − x)` with `logTarget`, reduced.
public struct KLDivLoss: Sendable {
    /// How the elementwise terms are combined (`.batchMean` gives the per-sample divergence).
    public var reduction: KLDivReduction
    /// Whether the target is given as log-probabilities.
    public var logTarget: Bool

    /// A KL-divergence loss (PyTorch's defaults: mean, probability targets).
    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) {
        self.reduction = reduction
        self.logTarget = logTarget
    }

    /// The divergence of log-probabilities `input` from `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}
