import Descent

/// Clips the gradients between backward and the optimizer step: every element into `[−maxValue, maxValue]`
/// first, then the global norm `‖g‖₂ = √(Σ g²)` over the optimizer's parameters to at most `maxNorm`
/// (`g ← g · maxNorm / (‖g‖₂ + 1e-6)` when larger, as `torch.nn.utils.clip_grad_norm_`).
public final class GradientClipping: TrainingCallback {
    /// The global norm bound (`nil`: none).
    public let maxNorm: Float?
    /// The element bound (`nil`: none).
    public let maxValue: Float?

    /// Clipping by norm and/or by value.
    public init(maxNorm: Float? = nil, maxValue: Float? = nil) {
        self.maxNorm = maxNorm
        self.maxValue = maxValue
    }

    /// Clips the gradients of the parameters `optimizer` is about to step.
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) {
        let parameters = optimizer.parameters
        if let maxValue { clipGradValue(parameters, maxValue) }
        if let maxNorm { _ = clipGradNorm(parameters, maxNorm: maxNorm) }
    }
}
