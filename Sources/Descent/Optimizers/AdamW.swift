/// AdamW, as `torch.optim.AdamW`: Adam with decoupled weight decay, default λ = 0.01.
/// ```
/// θ ← θ·(1 − lr·λ)                   (decay applied to the weights, not added to the gradient)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   v̂ ← max(v̂, v) if amsgrad, else v
/// θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
public typealias AdamW = RuleOptimizer<AdamWRule>

extension RuleOptimizer where Rule == AdamWRule {
    /// AdamW over one group of `parameters`; defaults as `torch.optim.AdamW` (lr 1e-3, β (0.9, 0.999), ε 1e-8, λ 0.01).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
            amsgrad: amsgrad, maximize: maximize)
    }

    /// AdamW over parameter groups; groups override `lr`, `weightDecay` and `momentum` (β₁).
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: AdamWRule(
                lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                amsgrad: amsgrad, maximize: maximize))
    }
}

/// The hyperparameters and update of ``AdamW``: `θ ← θ(1 − lr·λ)`, then the Adam step.
public struct AdamWRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// β₁, the decay of the gradient average.
    public var beta1: Double
    /// β₂, the decay of the squared-gradient average.
    public var beta2: Double
    /// ε added to the denominator.
    public var eps: Double
    /// Decoupled weight decay λ: each step multiplies the weights by `1 − lr·λ`.
    public var weightDecay: Double
    /// Use the maximum of past squared-gradient averages (AMSGrad).
    public var amsgrad: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// AdamW hyperparameters; defaults as `torch.optim.AdamW`.
    public init(
        lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 1e-2,
        amsgrad: Bool = false, maximize: Bool = false
    ) {
        checkAdamFamily("AdamW", lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
    }

    /// `"AdamW"`.
    public static var name: String { "AdamW" }
    /// As ``AdamRule``.
    public static var bufferNames: [String] { AdamRule.bufferNames }
    /// Groups override β₁.
    public static var momentumKeyPath: WritableKeyPath<AdamWRule, Double>? { \.beta1 }
    /// `max_exp_avg_sq` only with AMSGrad.
    public func usesBuffer(_ slot: Int) -> Bool { slot < 2 || amsgrad }

    /// Coefficients for step `t`, with the decoupled decay factor `1 − lr·λ`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> AdamRule.Constants {
        adamConstants(
            step: step, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
            decoupled: true, amsgrad: amsgrad, maximize: maximize)
    }

    /// The fused Adam pass (see ``AdamRule/update(_:_:_:_:_:)``).
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: AdamRule.Constants
    ) {
        AdamRule.update(range, p, grad, buffers, c)
    }
}

extension AdamWRule: RegisteredRule {
    /// `torch.optim.AdamW`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.AdamW`'s names.
    public static var hyperParameters: [HyperParameter<AdamWRule>] {
        [
            .number("lr", \.lr, .positive), .pair("betas", \.beta1, \.beta2), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .flag("amsgrad", \.amsgrad), .flag("maximize", \.maximize),
        ]
    }
}
