import Foundation

/// RAdam, as `torch.optim.RAdam`: Adam whose adaptive step is switched on, with a variance rectification
/// factor `r_t`, once the length of the approximated simple moving average `ρ_t` exceeds 5.
/// ```
/// g ← g + λ·θ  (coupled)  or  θ ← θ·(1 − lr·λ)  (decoupled)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   m̂ = m/(1 − β₁ᵗ)
/// ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
/// θ ← θ − lr·m̂·√(1 − β₂ᵗ)/(√v + ε)·r_t   if ρ_t > 5, with r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))
/// θ ← θ − lr·m̂                            otherwise
/// ```
public typealias RAdam = RuleOptimizer<RAdamRule>

extension RuleOptimizer where Rule == RAdamRule {
    /// RAdam over one group of `parameters`; defaults as `torch.optim.RAdam` (lr 1e-3, β (0.9, 0.999), ε 1e-8).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false,
        maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
            decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    /// RAdam over parameter groups; groups override `lr`, `weightDecay` and `momentum` (β₁).
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false,
        maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: RAdamRule(
                lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                decoupledWeightDecay: decoupledWeightDecay, maximize: maximize))
    }
}

/// The hyperparameters and update of ``RAdam``.
public struct RAdamRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// β₁, the decay of the gradient average.
    public var beta1: Double
    /// β₂, the decay of the squared-gradient average.
    public var beta2: Double
    /// ε added to the denominator.
    public var eps: Double
    /// Weight decay λ (coupled L2 unless ``decoupledWeightDecay``).
    public var weightDecay: Double
    /// Decay the weights directly (AdamW style) instead of adding λθ to the gradient.
    public var decoupledWeightDecay: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// RAdam hyperparameters; defaults as `torch.optim.RAdam`.
    public init(
        lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
        decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) {
        checkAdamFamily("RAdam", lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.maximize = maximize
    }

    /// `"RAdam"`.
    public static var name: String { "RAdam" }
    /// First and second moments.
    public static var bufferNames: [String] { ["exp_avg", "exp_avg_sq"] }
    /// Groups override β₁.
    public static var momentumKeyPath: WritableKeyPath<RAdamRule, Double>? { \.beta1 }
    /// Both buffers always.
    public func usesBuffer(_ slot: Int) -> Bool { true }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection1, lr, biasCorrection2Sqrt, rectification, eps,
            weightDecay, decayFactor: Float
        let adaptive, coupledDecay, decoupledDecay, maximize: Bool
    }

    /// Coefficients for step `t`: bias corrections, `ρ_t` and the rectification `r_t`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        let t = Double(step)
        let beta2t = Foundation.pow(beta2, t)
        let biasCorrection1 = 1 - Foundation.pow(beta1, t)
        let biasCorrection2 = 1 - beta2t
        let rhoInf = 2 / (1 - beta2) - 1
        let rhoT = rhoInf - 2 * t * beta2t / biasCorrection2
        let adaptive = rhoT > 5
        let rect = adaptive ? ((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)).squareRoot() : 1
        return Constants(
            oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2),
            biasCorrection1: Float(biasCorrection1), lr: Float(lr),
            biasCorrection2Sqrt: Float(biasCorrection2.squareRoot()),
            rectification: Float(rect), eps: Float(eps), weightDecay: Float(weightDecay),
            decayFactor: Float(1 - lr * weightDecay), adaptive: adaptive,
            coupledDecay: !decoupledWeightDecay && weightDecay != 0,
            decoupledDecay: decoupledWeightDecay && weightDecay != 0,
            maximize: maximize)
    }

    /// The fused RAdam pass.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let m = buffers[0], v = buffers[1]
        kernelUpdate(range, p, grad, m, v, c)
    }
}

extension RAdamRule: RegisteredRule {
    /// `torch.optim.RAdam`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.RAdam`'s names.
    public static var hyperParameters: [HyperParameter<RAdamRule>] {
        [
            .number("lr", \.lr, .positive), .pair("betas", \.beta1, \.beta2), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .flag("decoupled_weight_decay", \.decoupledWeightDecay),
            .flag("maximize", \.maximize),
        ]
    }
}
