/// Mean squared error: `ℓᵢ = (xᵢ − yᵢ)²`, reduced (PyTorch's `mse_loss`). Input and target have the same
/// shape; both are differentiable (`∂ℓ/∂x = 2(x − y) = −∂ℓ/∂y`).
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    LossKernels.pointwise(
        "mseLoss", input, target, scale: LossKernels.scale(reduction, count: input.count),
        loss: { x, y, _ in (x - y) * (x - y) },
        dInput: { x, y, _ in 2 * (x - y) },
        dTarget: { x, y, _ in 2 * (y - x) })
}

/// Mean squared error as a configured loss value (torch.nn's `MSELoss`): `(x − y)²`, reduced.
public struct MSELoss: Sendable {
    /// How the elementwise losses are combined.
    public var reduction: Reduction

    /// An MSE loss with the given reduction (PyTorch's default: mean).
    public init(reduction: Reduction = .mean) { self.reduction = reduction }

    /// The loss `(x − y)²` of `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        mseLoss(input, target, reduction: reduction)
    }
}
