import Foundation

/// NAdam, as `torch.optim.NAdam`: Adam with Nesterov momentum and a momentum schedule
/// `μ_t = β₁·(1 − ½·0.96^(t·ψ))`.
/// ```
/// g ← g + λ·θ  (coupled)  or  θ ← θ·(1 − lr·λ)  (decoupled)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   d = √(v/(1 − β₂ᵗ)) + ε
/// θ ← θ − lr·(1 − μ_t)/(1 − Π_{i≤t} μ_i) · g/d − lr·μ_{t+1}/(1 − Π_{i≤t+1} μ_i) · m/d
/// ```
public typealias NAdam = RuleOptimizer<NAdamRule>

extension RuleOptimizer where Rule == NAdamRule {
    /// NAdam over one group of `parameters`; defaults as `torch.optim.NAdam` (lr 2e-3, ψ 4e-3).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, momentumDecay: Double = 4e-3,
        decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
            momentumDecay: momentumDecay, decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    /// NAdam over parameter groups; groups override `lr`, `weightDecay` and `momentum` (β₁).
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, momentumDecay: Double = 4e-3,
        decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: NAdamRule(
                lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                momentumDecay: momentumDecay, decoupledWeightDecay: decoupledWeightDecay,
                maximize: maximize))
    }
}

/// The hyperparameters and update of ``NAdam``.
public struct NAdamRule: UpdateRule {
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
    /// ψ, the momentum decay of the schedule `μ_t = β₁(1 − ½·0.96^(tψ))`.
    public var momentumDecay: Double
    /// Decay the weights directly (AdamW style) instead of adding λθ to the gradient.
    public var decoupledWeightDecay: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// NAdam hyperparameters; defaults as `torch.optim.NAdam`.
    public init(
        lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
        momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false
    ) {
        checkAdamFamily("NAdam", lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
        precondition(momentumDecay >= 0, "NAdam: invalid momentum decay \(momentumDecay)")
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentumDecay = momentumDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.maximize = maximize
    }

    /// `"NAdam"`.
    public static var name: String { "NAdam" }
    /// First and second moments.
    public static var bufferNames: [String] { ["exp_avg", "exp_avg_sq"] }
    /// The running product of the momentum schedule, `Π μ_i` (kept in `Float` precision, as PyTorch does).
    public static var scalarNames: [String] { ["mu_product"] }
    /// Groups override β₁.
    public static var momentumKeyPath: WritableKeyPath<NAdamRule, Double>? { \.beta1 }
    /// Both buffers always.
    public func usesBuffer(_ slot: Int) -> Bool { true }
    /// The product starts at 1.
    public func initialScalars() -> [Double] { [1] }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2, eps, weightDecay, decayFactor, gradCoefficient,
            momentCoefficient: Float
        let coupledDecay, decoupledDecay, maximize: Bool
    }

    /// Coefficients for step `t`; advances `mu_product`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        let t = Double(step)
        let mu = beta1 * (1 - 0.5 * Foundation.pow(0.96, t * momentumDecay))
        let muNext = beta1 * (1 - 0.5 * Foundation.pow(0.96, (t + 1) * momentumDecay))
        let muProduct = Double(Float(scalars[0]) * Float(mu))
        scalars[0] = muProduct
        let muProductNext = muProduct * muNext
        return Constants(
            oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2),
            biasCorrection2: Float(1 - Foundation.pow(beta2, t)), eps: Float(eps), weightDecay: Float(weightDecay),
            decayFactor: Float(1 - lr * weightDecay),
            gradCoefficient: Float(-lr * (1 - mu) / (1 - muProduct)),
            momentCoefficient: Float((-lr * muNext) / (1 - muProductNext)),
            coupledDecay: !decoupledWeightDecay && weightDecay != 0,
            decoupledDecay: decoupledWeightDecay && weightDecay != 0,
            maximize: maximize)
    }

    /// The fused NAdam pass.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let m = buffers[0], v = buffers[1]
        kernelUpdate(range, p, grad, m, v, c)
    }
}

extension NAdamRule: RegisteredRule {
    /// `torch.optim.NAdam`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.NAdam`'s names.
    public static var hyperParameters: [HyperParameter<NAdamRule>] {
        [
            .number("lr", \.lr, .positive), .pair("betas", \.beta1, \.beta2), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .number("momentum_decay", \.momentumDecay),
            .flag("decoupled_weight_decay", \.decoupledWeightDecay), .flag("maximize", \.maximize),
        ]
    }
}
