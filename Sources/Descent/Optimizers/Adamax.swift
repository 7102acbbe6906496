import Foundation

/// Adamax, as `torch.optim.Adamax`: Adam with the infinity norm in place of the second moment.
/// ```
/// g ← g + λ·θ                        (if λ ≠ 0; g ← −g first if maximize)
/// m ← β₁·m + (1 − β₁)·g;   u ← max(β₂·u, |g| + ε)
/// θ ← θ − lr/(1 − β₁ᵗ) · m/u
/// ```
public typealias Adamax = RuleOptimizer<AdamaxRule>

extension RuleOptimizer where Rule == AdamaxRule {
    /// Adamax over one group of `parameters`; defaults as `torch.optim.Adamax` (lr 2e-3, β (0.9, 0.999), ε 1e-8).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize)
    }

    /// Adamax over parameter groups; groups override `lr`, `weightDecay` and `momentum` (β₁).
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, maximize: Bool = false
    ) {
        self.init(
            groups, defaults: AdamaxRule(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize))
    }
}

/// The hyperparameters and update of ``Adamax``: `u ← max(β₂u, |g| + ε)`, `θ ← θ − lr/(1 − β₁ᵗ)·m/u`.
public struct AdamaxRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// β₁, the decay of the gradient average.
    public var beta1: Double
    /// β₂, the decay of the infinity norm.
    public var beta2: Double
    /// ε added to |g| (keeps the norm positive).
    public var eps: Double
    /// L2 weight decay λ added to the gradient.
    public var weightDecay: Double
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// Adamax hyperparameters; defaults as `torch.optim.Adamax`.
    public init(
        lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
        maximize: Bool = false
    ) {
        checkAdamFamily("Adamax", lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.maximize = maximize
    }

    /// `"Adamax"`.
    public static var name: String { "Adamax" }
    /// First moment and exponentially weighted infinity norm.
    public static var bufferNames: [String] { ["exp_avg", "exp_inf"] }
    /// Groups override β₁.
    public static var momentumKeyPath: WritableKeyPath<AdamaxRule, Double>? { \.beta1 }
    /// Both buffers always.
    public func usesBuffer(_ slot: Int) -> Bool { true }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let oneMinusBeta1, beta2, eps, negStepSize, weightDecay: Float
        let decay, maximize: Bool
    }

    /// Coefficients for step `t`: the step size `lr/(1 − β₁ᵗ)`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        let clr = lr / (1 - Foundation.pow(beta1, Double(step)))
        return Constants(
            oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), eps: Float(eps), negStepSize: Float(-clr),
            weightDecay: Float(weightDecay), decay: weightDecay != 0, maximize: maximize)
    }

    /// `m ← β₁m + (1 − β₁)g; u ← max(β₂u, |g| + ε); θ ← θ − lr_t·m/u`.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let m = buffers[0], u = buffers[1]
        kernelUpdate(range, p, grad, m, u, c)
    }
}

extension AdamaxRule: RegisteredRule {
    /// `torch.optim.Adamax`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.Adamax`'s names.
    public static var hyperParameters: [HyperParameter<AdamaxRule>] {
        [
            .number("lr", \.lr, .positive), .pair("betas", \.beta1, \.beta2), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .flag("maximize", \.maximize),
        ]
    }
}
