/// Stochastic gradient descent with momentum, dampening and Nesterov momentum, as `torch.optim.SGD`.
///
/// With gradient `g` of the loss at the current parameters `θ`, weight decay `λ`, momentum `μ`, dampening `τ`:
/// ```
/// g ← g + λ·θ                       (if λ ≠ 0; g ← −g first if maximize)
/// b ← g on the first step, else μ·b + (1 − τ)·g          (if μ ≠ 0)
/// g ← g + μ·b if nesterov, else b                         (if μ ≠ 0)
/// θ ← θ − lr·g
/// ```
/// PyTorch's Nesterov form keeps the parameters at the *look-ahead* point; ``LookAheadNesterov`` is the form of
/// the lecture notes, which keeps the iterate itself and produces the same sequence of look-ahead points.
///
/// Batch, stochastic and mini-batch gradient descent are all this one update with a different batch size; see
/// <doc:GradientDescent>.
public typealias SGD = RuleOptimizer<SGDRule>

extension RuleOptimizer where Rule == SGDRule {
    /// SGD over one group of `parameters`; defaults as `torch.optim.SGD` (lr 1e-3, no momentum, no decay).
    public convenience init(
        _ parameters: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
    ) {
        self.init(
            [ParameterGroup(parameters)], lr: lr, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
    }

    /// SGD over parameter groups; groups override `lr`, `weightDecay` and `momentum`.
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
    ) {
        self.init(
            groups,
            defaults: SGDRule(
                lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                nesterov: nesterov, maximize: maximize))
    }
}

/// The hyperparameters and update of ``SGD``: `b ← μ·b + (1 − τ)·(g + λθ)`, `θ ← θ − lr·(nesterov ? g + μb : b)`.
public struct SGDRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// Momentum factor μ (0: plain gradient descent).
    public var momentum: Double
    /// Dampening τ of the momentum: new gradients enter the buffer with weight `1 − τ`.
    public var dampening: Double
    /// L2 weight decay λ added to the gradient.
    public var weightDecay: Double
    /// Use Nesterov momentum (needs μ > 0 and τ = 0).
    public var nesterov: Bool
    /// Maximize the objective instead of minimizing it.
    public var maximize: Bool

    /// SGD hyperparameters; defaults as `torch.optim.SGD`.
    public init(
        lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
        nesterov: Bool = false, maximize: Bool = false
    ) {
        precondition(lr >= 0, "SGD: invalid learning rate \(lr)")
        precondition(momentum >= 0, "SGD: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "SGD: invalid weight decay \(weightDecay)")
        precondition(
            !nesterov || (momentum > 0 && dampening == 0),
            "SGD: Nesterov momentum requires a momentum and zero dampening")
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.maximize = maximize
    }

    /// `"SGD"`.
    public static var name: String { "SGD" }
    /// One buffer, the momentum `b`.
    public static var bufferNames: [String] { ["momentum_buffer"] }
    /// Groups override the momentum.
    public static var momentumKeyPath: WritableKeyPath<SGDRule, Double>? { \.momentum }
    /// The momentum buffer exists when μ ≠ 0.
    public func usesBuffer(_ slot: Int) -> Bool { momentum != 0 }

    /// The step's coefficients, in `Float` as PyTorch applies them.
    public struct Constants {
        let negLR, weightDecay, momentum, oneMinusDampening: Float
        let decay, useMomentum, first, nesterov, maximize: Bool
    }

    /// Coefficients; the momentum buffer is initialised with the gradient when it has just been allocated.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        Constants(
            negLR: Float(-lr), weightDecay: Float(weightDecay), momentum: Float(momentum),
            oneMinusDampening: Float(1 - dampening), decay: weightDecay != 0, useMomentum: momentum != 0,
            first: newBuffers.contains(0), nesterov: nesterov, maximize: maximize)
    }

    /// `g ← g + λθ; b ← μb + (1 − τ)g; θ ← θ − lr·(g + μb or b)`.
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let buf: UnsafeMutablePointer<Float>? = c.useMomentum ? buffers[0] : nil
        kernelUpdate(range, p, grad, buf, c)
    }
}

extension SGDRule: RegisteredRule {
    /// `torch.optim.SGD`'s defaults (those of the memberwise initializer).
    public init() { self.init(maximize: false) }

    /// The options a config may set, under `torch.optim.SGD`'s names.
    public static var hyperParameters: [HyperParameter<SGDRule>] {
        [
            .number("lr", \.lr, .positive), .number("momentum", \.momentum), .number("dampening", \.dampening),
            .number("weight_decay", \.weightDecay), .flag("nesterov", \.nesterov), .flag("maximize", \.maximize),
        ]
    }
}
