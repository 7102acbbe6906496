/// Nesterov's accelerated gradient in the look-ahead form of the lecture notes: first extend the previous step,
/// then take the gradient at the resulting point, then add the two:
/// ```
/// θ̃ = θ_t + μ·v_t                   (extend the previous step: the look-ahead point)
/// v_{t+1} = μ·v_t − lr·(∇f(θ̃) + λ·θ̃)
/// θ_{t+1} = θ_t + v_{t+1}
/// ```
/// The gradient must be taken at the look-ahead point, so this optimizer is stepped with
/// ``RuleOptimizer/step(computingGradients:)``: it moves the parameters to `θ̃`, runs the closure (forward and
/// backward), then writes `θ_{t+1}`. Between steps the parameters hold the iterate `θ_t`.
///
/// **Relation to PyTorch's form** (``SGD`` with `nesterov: true`, zero dampening): PyTorch keeps the
/// look-ahead point as its parameter. With the same `lr`, `μ`, `λ` and start, PyTorch's iterate after `t` steps
/// is `p_t = θ_t + μ·v_t`, exactly the point where this form takes its `t`-th gradient, and PyTorch's momentum
/// buffer is `b_t = −v_t / lr`; equivalently `θ_t = p_t + μ·lr·b_t`. Both converge to the same minimiser
/// (where `v = 0`, so `p = θ`).
public typealias LookAheadNesterov = RuleOptimizer<LookAheadNesterovRule>

extension RuleOptimizer where Rule == LookAheadNesterovRule {
    /// The look-ahead Nesterov method over one group of `parameters` (momentum 0.9 unless given).
    public convenience init(_ parameters: [Tensor], lr: Double = 1e-3, momentum: Double = 0.9, weightDecay: Double = 0)
    {
        self.init([ParameterGroup(parameters)], lr: lr, momentum: momentum, weightDecay: weightDecay)
    }

    /// The look-ahead Nesterov method over parameter groups; groups override `lr`, `weightDecay` and `momentum`.
    public convenience init(
        _ groups: [ParameterGroup], lr: Double = 1e-3, momentum: Double = 0.9, weightDecay: Double = 0
    ) {
        self.init(groups, defaults: LookAheadNesterovRule(lr: lr, momentum: momentum, weightDecay: weightDecay))
    }
}

/// The hyperparameters and update of ``LookAheadNesterov``: `v ← μv − lr·∇f(θ + μv)`, `θ ← θ + v`.
public struct LookAheadNesterovRule: UpdateRule {
    /// Learning rate.
    public var lr: Double
    /// Momentum factor μ.
    public var momentum: Double
    /// L2 weight decay λ added to the gradient (at the look-ahead point).
    public var weightDecay: Double

    /// Look-ahead Nesterov hyperparameters.
    public init(lr: Double = 1e-3, momentum: Double = 0.9, weightDecay: Double = 0) {
        precondition(lr >= 0, "LookAheadNesterov: invalid learning rate \(lr)")
        precondition(momentum >= 0, "LookAheadNesterov: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "LookAheadNesterov: invalid weight decay \(weightDecay)")
        self.lr = lr
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// `"LookAheadNesterov"`.
    public static var name: String { "LookAheadNesterov" }
    /// The velocity `v` and the iterate `θ` kept while the parameters sit at the look-ahead point.
    public static var bufferNames: [String] { ["velocity", "iterate"] }
    /// Groups override the momentum.
    public static var momentumKeyPath: WritableKeyPath<LookAheadNesterovRule, Double>? { \.momentum }
    /// Both buffers always.
    public func usesBuffer(_ slot: Int) -> Bool { true }
    /// The gradient is taken at the look-ahead point.
    public static var movesBeforeGradient: Bool { true }

    /// `iterate ← θ; θ ← θ + μ·v` (extend the previous step).
    public func moveBeforeGradient(_ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ buffers: StateBuffers) {
        let v = buffers[0], x = buffers[1], mu = Float(momentum)
        for i in range {
            x[i] = p[i]
            p[i] = p[i] + mu * v[i]
        }
    }

    /// `θ ← iterate`.
    public func undoMoveBeforeGradient(_ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ buffers: StateBuffers) {
        let x = buffers[1]
        for i in range { p[i] = x[i] }
    }

    /// The step's coefficients in `Float`.
    public struct Constants {
        let negLR, momentum, weightDecay: Float
        let decay: Bool
    }

    /// Coefficients.
    public func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants {
        Constants(
            negLR: Float(-lr), momentum: Float(momentum), weightDecay: Float(weightDecay), decay: weightDecay != 0)
    }

    /// `v ← μv − lr·(g + λθ̃); θ ← iterate + v` (add the two).
    public static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ c: Constants
    ) {
        let v = buffers[0], x = buffers[1]
        for i in range {
            var g = grad[i]
            if c.decay { g = g + c.weightDecay * p[i] }
            let vi = c.momentum * v[i] + c.negLR * g
            v[i] = vi
            p[i] = x[i] + vi
        }
    }
}
