import Foundation

/// Adam, as `torch.optim.Adam`, with coupled (L2) weight decay and optional AMSGrad.
/// ```
/// g ← g + λ·θ                        (if λ ≠ 0; g ← −g first if maximize)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) if amsgrad, else v
/// θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
/// For decoupled weight decay use ``AdamW``.
public typealias Adam = RuleOptimizer<AdamRule>

extension RuleOptimizer where Rule == AdamRule {
    /// Adam over one group of `parameters`; defaults as `torch.optim.Adam` (lr 1e-3, β (0.9, 0.999), ε 1e-8).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
            amsgrad: amsgrad, maximize: maximize)
    }

    /// Adam over parameter groups; groups override `lr`, `weightDecay` and `momentum` (β₁).
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: AdamRule(
                lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                amsgrad: amsgrad, maximize: maximize))
    }
}

/// The hyperparameters and update of ``Adam``: bias-corrected first and second moments, `θ ← θ − lr·m̂/(√v̂ + ε)`.
public struct AdamRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// β₁, the decay of the gradient average.
    public var beta1: Double
    /// β₂, the decay of the squared-gradient average.
    public var beta2: Double
    /// ε added to the denominator.
    public var eps: Double
    /// L2 weight decay λ added to the gradient (coupled).
    public var weightDecay: Double
    /// Use the maximum of past squared-gradient averages (AMSGrad).
    public var amsgrad: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// Adam hyperparameters; defaults as `torch.optim.Adam`.
    public init(
        lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
        amsgrad: Bool = false, maximize: Bool = false
    ) {
        checkAdamFamily("Adam", lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
    }

    /// `"Adam"`.
    public static var name: String { "Adam" }
    /// First moment, second moment, running maximum of the second moment (AMSGrad).
    public static var bufferNames: [String] { ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] }
    /// Groups override β₁.
    public static var momentumKeyPath: WritableKeyPath<AdamRule, Double>? { \.beta1 }
    /// `max_exp_avg_sq` only with AMSGrad.
    public func usesBuffer(_ slot: Int) -> Bool { slot < 2 || amsgrad }

    /// The step's coefficients in `Float` (bias corrections computed in `Double`, as PyTorch does).
    public struct Constants {
        let oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, biasCorrection2Sqrt, eps, weightDecay, decayFactor: Float
        let coupledDecay, decoupledDecay, amsgrad, maximize: Bool
    }

    /// Coefficients for step `t`: step size `lr/(1 − β₁ᵗ)` and `√(1 − β₂ᵗ)`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        adamConstants(
            step: step, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
            decoupled: false, amsgrad: amsgrad, maximize: maximize)
    }

    /// The fused Adam pass: decay, moments, AMSGrad maximum and step (the vectorized C kernel
    /// `descent_adam_update`, which evaluates the same expressions in the same order).
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let m = buffers[0], v = buffers[1]
        let vmax: UnsafeMutablePointer<Float>? = c.amsgrad ? buffers[2] : nil
        kernelUpdate(range, p, grad, m, v, vmax, c)
    }
}

/// The coefficients of one Adam or AdamW step.
func adamConstants(
    step: Int, lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
    decoupled: Bool, amsgrad: Bool, maximize: Bool
) -> AdamRule.Constants {
    let t = Double(step)
    let biasCorrection1 = 1 - Foundation.pow(beta1, t)
    let biasCorrection2 = 1 - Foundation.pow(beta2, t)
    return AdamRule.Constants(
        oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2),
        negStepSize: Float(-(lr / biasCorrection1)), biasCorrection2Sqrt: Float(biasCorrection2.squareRoot()),
        eps: Float(eps), weightDecay: Float(weightDecay), decayFactor: Float(1 - lr * weightDecay),
        coupledDecay: !decoupled && weightDecay != 0, decoupledDecay: decoupled && weightDecay != 0,
        amsgrad: amsgrad, maximize: maximize)
}

/// Checks the hyperparameters shared by the Adam family (PyTorch's ValueErrors, as preconditions).
func checkAdamFamily(_ name: String, lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double) {
    precondition(lr >= 0, "\(name): invalid learning rate \(lr)")
    precondition(eps >= 0, "\(name): invalid epsilon \(eps)")
    precondition(betas.0 >= 0 && betas.0 < 1, "\(name): invalid beta parameter at index 0: \(betas.0)")
    precondition(betas.1 >= 0 && betas.1 < 1, "\(name): invalid beta parameter at index 1: \(betas.1)")
    precondition(weightDecay >= 0, "\(name): invalid weight decay \(weightDecay)")
}

extension AdamRule: RegisteredRule {
    /// `torch.optim.Adam`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.Adam`'s names.
    public static var hyperParameters: [HyperParameter<AdamRule>] {
        [
            .number("lr", \.lr, .positive), .pair("betas", \.beta1, \.beta2), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .flag("amsgrad", \.amsgrad), .flag("maximize", \.maximize),
        ]
    }
}
