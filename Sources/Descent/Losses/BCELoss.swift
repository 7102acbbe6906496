import Foundation

/// Binary cross-entropy of probabilities: `ℓᵢ = −wᵢ (yᵢ · max(log xᵢ, −100) + (1 − yᵢ) · max(log(1 − xᵢ), −100))`,
/// reduced (PyTorch's `binary_cross_entropy`, including its clamp of the logarithms at −100).
///
/// - Parameters:
///   - input: probabilities x ∈ [0, 1] (a value outside is a precondition failure; NaN passes through).
///   - target: y of the same shape (differentiable: `∂ℓ/∂y = w (log(1 − x) − log x)`).
///   - weight: optional constant weights broadcast to the input's shape.
///   - reduction: `.mean` divides by the number of elements.
///
/// Backward to the input, as PyTorch: `g · w (x − y) / max(x (1 − x), 10⁻¹²)`.
public func binaryCrossEntropy(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
    input.withUnsafeBufferPointer { p in
        for (i, v) in p.enumerated() {
            precondition(!(v < 0 || v > 1), "binaryCrossEntropy: input \(v) at element \(i) is outside [0, 1]")
        }
    }
    let epsilon: Float = 1e-12
    return LossKernels.pointwise(
        "binaryCrossEntropy", input, target,
        weight: weight.map { LossKernels.expandedConstant($0, to: input.shape, "binaryCrossEntropy", "weight") },
        scale: LossKernels.scale(reduction, count: input.count),
        loss: { x, y, _ in
            (y - 1) * Swift.max(Foundation.log1p(-x), -100) - y * Swift.max(Foundation.log(x), -100)
        },
        dInput: { x, y, _ in (x - y) / Swift.max((1 - x) * x, epsilon) },
        dTarget: { x, _, _ in Foundation.log1p(-x) - Foundation.log(x) })
}

/// Binary cross-entropy of logits, in the stable form `ℓ = (1 − y) x + (1 + (p − 1) y) · softplus(−x)`,
/// times `w`, reduced (PyTorch's `binary_cross_entropy_with_logits`; `softplus(−x) = max(−x, 0) + log(1 + e^−|x|)`).
///
/// - Parameters:
///   - input: logits x.
///   - target: y of the same shape (differentiable: `∂ℓ/∂y = −x + (p − 1) softplus(−x)`, times w).
///   - weight: optional constant weights broadcast to the input's shape.
///   - posWeight: optional constant weight p of positive examples, broadcast to the input's shape (typically
///     `[C]` for the last axis).
///   - reduction: `.mean` divides by the number of elements.
///
/// Backward to the input: `g · w ((1 − y) − (1 + (p − 1) y) σ(−x))`, which is `σ(x) − y` without weights.
public func binaryCrossEntropyWithLogits(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
    let op = "binaryCrossEntropyWithLogits"
    // softplus(−x) = −log σ(x), stable for any x.
    @inline(__always) func softplusNeg(_ x: Float) -> Float {
        Swift.max(-x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }
    // σ(−x), stable for any x.
    @inline(__always) func sigmoidNeg(_ x: Float) -> Float {
        x >= 0 ? Foundation.exp(-x) / (1 + Foundation.exp(-x)) : 1 / (1 + Foundation.exp(x))
    }
    let weight = weight.map { LossKernels.expandedConstant($0, to: input.shape, op, "weight") }
    let scale = LossKernels.scale(reduction, count: input.count)
    guard let posWeight else {
        return LossKernels.pointwise(
            op, input, target, weight: weight, scale: scale,
            loss: { x, y, _ in (1 - y) * x + softplusNeg(x) },
            dInput: { x, y, _ in (1 - y) - sigmoidNeg(x) },
            dTarget: { x, _, _ in -x })
    }
    return LossKernels.pointwise(
        op, input, target, aux: LossKernels.expandedConstant(posWeight, to: input.shape, op, "posWeight"),
        weight: weight, scale: scale,
        loss: { x, y, p in (1 - y) * x + ((p - 1) * y + 1) * softplusNeg(x) },
        dInput: { x, y, p in (1 - y) - ((p - 1) * y + 1) * sigmoidNeg(x) },
        dTarget: { x, _, p in -x + (p - 1) * softplusNeg(x) })
}

/// Binary cross-entropy of probabilities as a configured loss value (torch.nn's `BCELoss`):
/// `−w (y log x + (1 − y) log(1 − x))`, logs clamped at −100.
public struct BCELoss: Sendable {
    /// Constant weights broadcast to the input's shape, or `nil`.
    public var weight: Tensor?
    /// How the elementwise losses are combined.
    public var reduction: Reduction

    /// A BCE loss (PyTorch's defaults: no weights, mean).
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
        self.weight = weight
        self.reduction = reduction
    }

    /// The binary cross-entropy of probabilities `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}

/// Binary cross-entropy of logits as a configured loss value (torch.nn's `BCEWithLogitsLoss`):
/// `w ((1 − y) x + (1 + (p − 1) y) softplus(−x))`.
public struct BCEWithLogitsLoss: Sendable {
    /// Constant weights broadcast to the input's shape, or `nil`.
    public var weight: Tensor?
    /// How the elementwise losses are combined.
    public var reduction: Reduction
    /// Constant weight of positive examples broadcast to the input's shape (usually `[C]`), or `nil`.
    public var posWeight: Tensor?

    /// A BCE-with-logits loss (PyTorch's defaults: no weights, mean, no positive weight).
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        self.weight = weight
        self.reduction = reduction
        self.posWeight = posWeight
    }

    /// The binary cross-entropy of logits `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
}
