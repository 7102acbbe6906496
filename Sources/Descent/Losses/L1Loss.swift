/// Mean absolute error: `ℓᵢ = |xᵢ − yᵢ|`, reduced (PyTorch's `l1_loss`). Input and target have the same
/// shape; both are differentiable (`∂ℓ/∂x = sign(x − y) = −∂ℓ/∂y`, 0 at 0).
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    LossKernels.pointwise(
        "l1Loss", input, target, scale: LossKernels.scale(reduction, count: input.count),
        loss: { x, y, _ in Swift.abs(x - y) },
        dInput: { x, y, _ in x > y ? 1 : (x < y ? -1 : 0) },
        dTarget: { x, y, _ in x > y ? -1 : (x < y ? 1 : 0) })
}

/// Mean absolute error as a configured loss value (torch.nn's `L1Loss`): `|x − y|`, reduced.
public struct L1Loss: Sendable {
    /// How the elementwise losses are combined.
    public var reduction: Reduction

    /// An L1 loss with the given reduction (PyTorch's default: mean).
    public init(reduction: Reduction = .mean) { self.reduction = reduction }

    /// The loss `|x − y|` of `input` against `target`, reduced.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        l1Loss(input, target, reduction: reduction)
    }
}
