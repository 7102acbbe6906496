/// Smooth L1 loss: with `d = x − y`, `ℓ = 0.5 d²/β` where `|d| < β`, else `|d| − 0.5 β`, reduced (PyTorch's
/// `smooth_l1_loss`; `β = 0` is the L1 loss). Both input and target are differentiable
/// (`∂ℓ/∂x = d/β` inside, `sign(d)` outside, `= −∂ℓ/∂y`).
public func smoothL1Loss(
    _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
    beta: Float = SmoothL1Loss.defaultBeta
) -> Tensor {
    precondition(beta >= 0, "smoothL1Loss: beta \(beta) is negative")
    if beta == 0 { return l1Loss(input, target, reduction: reduction) }
    func derivative(_ d: Float) -> Float { d < -beta ? -1 : (d > beta ? 1 : d / beta) }
    return LossKernels.pointwise(
        "smoothL1Loss", input, target, scale: LossKernels.scale(reduction, count: input.count),
        loss: { x, y, _ in
            let z = Swift.abs(x - y)
            return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        },
        dInput: { x, y, _ in derivative(x - y) },
        dTarget: { x, y, _ in -derivative(x - y) })
}

/// Huber loss: with `d = x − y`, `ℓ = 0.5 d²` where `|d| < δ`, else `δ (|d| − 0.5 δ)`, reduced (PyTorch's
/// `huber_loss`; equals `δ ·` smooth L1 with `β = δ`). Both input and target are differentiable
/// (`∂ℓ/∂x = d` inside, `δ · sign(d)` outside, `= −∂ℓ/∂y`).
public func huberLoss(
    _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
    delta: Float = HuberLoss.defaultDelta
) -> Tensor {
    precondition(delta > 0, "huberLoss: delta \(delta) must be positive")
    func derivative(_ d: Float) -> Float { d < -delta ? -delta : (d > delta ? delta : d) }
    return LossKernels.pointwise(
        "huberLoss", input, target, scale: LossKernels.scale(reduction, count: input.count),
        loss: { x, y, _ in
            let z = Swift.abs(x - y)
            return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        },
        dInput: { x, y, _ in derivative(x - y) },
        dTarget: { x, y, _ in -derivative(x - y) })
}

/// Smooth L1 loss as a configured loss value (torch.nn's `SmoothL1Loss`): `0.5 d²/β` for `|d| < β`, else `|d| − 0.5 β`.
public struct SmoothL1Loss: Sendable {
    /// How the elementwise losses are combined.
    public var reduction: Reduction
    /// The threshold β ≥ 0 between the quadratic and linear parts.
    public var beta: Float

    /// `torch.nn.SmoothL1Loss`'s default `beta`, 1.
    public static let defaultBeta: Float = 1

    /// A smooth L1 loss (PyTorch's defaults: mean, β = 1).
    public init(reduction: Reduction = .mean, beta: Float = defaultBeta) {
        self.reduction = reduction
        self.beta = beta
    }

    /// The smooth L1 loss of `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
}

/// Huber loss as a configured loss value (torch.nn's `HuberLoss`): `0.5 d²` for `|d| < δ`, else `δ (|d| − 0.5 δ)`.
public struct HuberLoss: Sendable {
    /// How the elementwise losses are combined.
    public var reduction: Reduction
    /// The threshold δ > 0 between the quadratic and linear parts.
    public var delta: Float

    /// `torch.nn.HuberLoss`'s default `delta`, 1.
    public static let defaultDelta: Float = 1

    /// A Huber loss (PyTorch's defaults: mean, δ = 1).
    public init(reduction: Reduction = .mean, delta: Float = defaultDelta) {
        self.reduction = reduction
        self.delta = delta
    }

    /// The Huber loss of `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        huberLoss(input, target, reduction: reduction, delta: delta)
    }
}
