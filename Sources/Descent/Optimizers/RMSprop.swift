/// RMSprop, as `torch.optim.RMSprop`: divide the gradient by a running root mean square of past gradients.
/// ```
/// g ← g + λ·θ                              (if λ ≠ 0; g ← −g first if maximize)
/// s ← α·s + (1 − α)·g²
/// a ← √(s − ḡ²) + ε with ḡ ← α·ḡ + (1 − α)·g   if centered, else a ← √s + ε
/// b ← μ·b + g/a;  θ ← θ − lr·b             (if μ > 0), else θ ← θ − lr·g/a
/// ```
public typealias RMSprop = RuleOptimizer<RMSpropRule>

extension RuleOptimizer where Rule == RMSpropRule {
    /// RMSprop over one group of `parameters`; defaults as `torch.optim.RMSprop` (lr 1e-2, α 0.99, ε 1e-8).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
            momentum: momentum, centered: centered, maximize: maximize)
    }

    /// RMSprop over parameter groups; groups override `lr`, `weightDecay` and `momentum`.
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: RMSpropRule(
                lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                momentum: momentum, centered: centered, maximize: maximize))
    }
}

/// The hyperparameters and update of ``RMSprop``: `s ← αs + (1 − α)g²`, `θ ← θ − lr·g/(√s + ε)`.
public struct RMSpropRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// Smoothing constant α of the squared-gradient average.
    public var alpha: Double
    /// ε added to the denominator.
    public var eps: Double
    /// L2 weight decay λ added to the gradient.
    public var weightDecay: Double
    /// Momentum factor μ (0: none).
    public var momentum: Double
    /// Normalise by the estimated variance (subtract the squared mean gradient).
    public var centered: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// RMSprop hyperparameters; defaults as `torch.optim.RMSprop`.
    public init(
        lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
        momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        precondition(lr >= 0, "RMSprop: invalid learning rate \(lr)")
        precondition(eps >= 0, "RMSprop: invalid epsilon \(eps)")
        precondition(momentum >= 0, "RMSprop: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "RMSprop: invalid weight decay \(weightDecay)")
        precondition(alpha >= 0, "RMSprop: invalid alpha \(alpha)")
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
        self.maximize = maximize
    }

    /// `"RMSprop"`.
    public static var name: String { "RMSprop" }
    /// Squared-gradient average, gradient average (centered), momentum buffer (μ > 0).
    public static var bufferNames: [String] { ["square_avg", "grad_avg", "momentum_buffer"] }
    /// Groups override the momentum.
    public static var momentumKeyPath: WritableKeyPath<RMSpropRule, Double>? { \.momentum }
    /// `square_avg` always, `grad_avg` when centered, `momentum_buffer` when μ > 0.
    public func usesBuffer(_ slot: Int) -> Bool { slot == 0 || (slot == 1 && centered) || (slot == 2 && momentum > 0) }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let negLR, alpha, oneMinusAlpha, eps, weightDecay, momentum: Float
        let decay, centered, useMomentum, maximize: Bool
    }

    /// Coefficients.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        Constants(
            negLR: Float(-lr), alpha: Float(alpha), oneMinusAlpha: Float(1 - alpha), eps: Float(eps),
            weightDecay: Float(weightDecay), momentum: Float(momentum), decay: weightDecay != 0,
            centered: centered, useMomentum: momentum > 0, maximize: maximize)
    }

    /// `s ← αs + (1 − α)g²; a ← √(s [− ḡ²]) + ε; θ ← θ − lr·(μb + g/a or g/a)`.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let sq = buffers[0]
        let ga: UnsafeMutablePointer<Float>? = c.centered ? buffers[1] : nil
        let buf: UnsafeMutablePointer<Float>? = c.useMomentum ? buffers[2] : nil
        kernelUpdate(range, p, grad, sq, ga, buf, c)
    }
}

extension RMSpropRule: RegisteredRule {
    /// `torch.optim.RMSprop`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.RMSprop`'s names.
    public static var hyperParameters: [HyperParameter<RMSpropRule>] {
        [
            .number("lr", \.lr, .positive), .number("alpha", \.alpha), .number("eps", \.eps),
            .number("weight_decay", \.weightDecay), .number("momentum", \.momentum), .flag("centered", \.centered),
            .flag("maximize", \.maximize),
        ]
    }
}
