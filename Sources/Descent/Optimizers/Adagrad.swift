/// Adagrad, as `torch.optim.Adagrad`: per-element learning rates shrinking with the sum of squared gradients.
/// ```
/// g ← g + λ·θ                        (if λ ≠ 0; g ← −g first if maximize)
/// s ← s + g²                         (s starts at initialAccumulatorValue)
/// θ ← θ − lr/(1 + (t − 1)·lrDecay) · g / (√s + ε)
/// ```
public typealias Adagrad = RuleOptimizer<AdagradRule>

extension RuleOptimizer where Rule == AdagradRule {
    /// Adagrad over one group of `parameters`; defaults as `torch.optim.Adagrad` (lr 1e-2, ε 1e-10).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
            initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize)
    }

    /// Adagrad over parameter groups; groups override `lr` and `weightDecay`.
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: AdagradRule(
                lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                initialAccumulatorValue: initialAccumulatorValue, eps: eps,
                maximize: maximize))
    }
}

/// The hyperparameters and update of ``Adagrad``: `s ← s + g²`, `θ ← θ − lr_t·g/(√s + ε)`.
public struct AdagradRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// Learning-rate decay: step `t` uses `lr / (1 + (t − 1)·lrDecay)`.
    public var lrDecay: Double
    /// L2 weight decay λ added to the gradient.
    public var weightDecay: Double
    /// Starting value of the squared-gradient sum.
    public var initialAccumulatorValue: Double
    /// ε added to the denominator.
    public var eps: Double
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// Adagrad hyperparameters; defaults as `torch.optim.Adagrad`.
    public init(
        lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0, initialAccumulatorValue: Double = 0,
        eps: Double = 1e-10, maximize: Bool = false
    ) {
        precondition(lr >= 0, "Adagrad: invalid learning rate \(lr)")
        precondition(lrDecay >= 0, "Adagrad: invalid lr_decay value \(lrDecay)")
        precondition(weightDecay >= 0, "Adagrad: invalid weight decay \(weightDecay)")
        precondition(
            initialAccumulatorValue >= 0, "Adagrad: invalid initial accumulator value \(initialAccumulatorValue)")
        precondition(eps >= 0, "Adagrad: invalid epsilon \(eps)")
        self.lr = lr
        self.lrDecay = lrDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.eps = eps
        self.maximize = maximize
    }

    /// `"Adagrad"`.
    public static var name: String { "Adagrad" }
    /// The squared-gradient sum.
    public static var bufferNames: [String] { ["sum"] }
    /// Always.
    public func usesBuffer(_ slot: Int) -> Bool { true }
    /// The sum starts at ``initialAccumulatorValue``.
    public func initialValue(ofBuffer slot: Int) -> Float { Float(initialAccumulatorValue) }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let negLR, eps, weightDecay: Float
        let decay, maximize: Bool
    }

    /// Coefficients for step `t`: the decayed rate `lr / (1 + (t − 1)·lrDecay)`.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        let clr = lr / (1 + Double(step - 1) * lrDecay)
        return Constants(
            negLR: Float(-clr), eps: Float(eps), weightDecay: Float(weightDecay),
            decay: weightDecay != 0, maximize: maximize)
    }

    /// `s ← s + g²; θ ← θ − lr_t·g/(√s + ε)`.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let sum = buffers[0]
        kernelUpdate(range, p, grad, sum, c)
    }
}

extension AdagradRule: RegisteredRule {
    /// `torch.optim.Adagrad`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.Adagrad`'s names.
    public static var hyperParameters: [HyperParameter<AdagradRule>] {
        [
            .number("lr", \.lr, .positive), .number("lr_decay", \.lrDecay), .number("weight_decay", \.weightDecay),
            .number("initial_accumulator_value", \.initialAccumulatorValue), .number("eps", \.eps),
            .flag("maximize", \.maximize),
        ]
    }
}
