import Descent
import Foundation

/// `descent lab clipping`: a deep tanh MLP (``Models/mlp(_:activation:dropout:batchNorm:generator:)``, every
/// weight multiplied by `gain` after initialisation, the chaotic regime where backpropagated gradients grow
/// layer by layer) fitted by ``SGD`` to a smooth regression target, three times from the same start: without
/// clipping, clipping each gradient element to [−θ, θ] (``clipGradValue(_:_:)``, θ = 5 as in the notes), and
/// clipping the global gradient norm (``clipGradNorm(_:maxNorm:normType:)``). The loss and the gradient norm
/// (before clipping) are recorded at every step; a run whose loss stops being finite (or exceeds 10⁶) has blown up.
public struct ClippingLab: Sendable {
    /// Hidden layers.
    public var depth: Int
    /// Units per hidden layer.
    public var width: Int
    /// Factor applied to every initial weight.
    public var gain: Float
    /// SGD's learning rate.
    public var lr: Double
    /// Training steps (full batch).
    public var steps: Int
    /// θ of clipping by value.
    public var clipValue: Float
    /// The norm bound of clipping by norm.
    public var maxNorm: Float

    /// 16 tanh layers of 32 units, gain 3, lr 0.1, 300 steps, θ = 5, max norm 1.
    public init(
        depth: Int = 16, width: Int = 32, gain: Float = 3, lr: Double = 0.1, steps: Int = 300, clipValue: Float = 5,
        maxNorm: Float = 1
    ) {
        (self.depth, self.width, self.gain, self.lr, self.steps, self.clipValue, self.maxNorm) = (
            depth, width, gain, lr, steps, clipValue, maxNorm
        )
    }

    /// How the gradient is treated before each step.
    public enum Mode: String, CaseIterable, Sendable {
        /// No clipping.
        case none = "no clipping"
        /// Each element clipped to [−θ, θ].
        case value = "clip by value"
        /// The global L2 norm scaled down to at most the bound.
        case norm = "clip by norm"
    }

    /// One run's record.
    public struct Run: Sendable {
        /// The mode.
        public var mode: Mode
        /// Training loss at each step (until it blew up).
        public var losses: [Double]
        /// Global gradient norm before clipping at each step.
        public var gradientNorms: [Double]
        /// The step at which the loss stopped being finite or passed 10⁶ (nil: never).
        public var blewUpAt: Int?
    }

    /// Trains once in `mode` from the seed's initial weights.
    public func train(_ mode: Mode, seed: UInt64, steps: Int? = nil) -> Run {
        let rng = RandomGenerator(seed: seed &+ 909)
        let inputs = 8, n = 256
        let x = rng.uniform([n, inputs], low: -1, high: 1)
        let y = Tensor(
            (0..<n).map { i in Float(sin(Double((0..<inputs).reduce(Float(0)) { $0 + x.scalars[i * inputs + $1] }))) },
            shape: [n, 1])
        let model = Models.mlp(
            [inputs] + Array(repeating: width, count: depth) + [1], activation: .tanh,
            generator: RandomGenerator(seed: seed &+ 910))
        for (name, p) in model.namedParameters() where name.hasSuffix("weight") { p.assignInPlace(p.detach() * gain) }
        let parameters = model.parameters()
        let optimizer = SGD(parameters, lr: lr)
        var run = Run(mode: mode, losses: [], gradientNorms: [], blewUpAt: nil)
        for step in 0..<(steps ?? self.steps) {
            optimizer.zeroGrad()
            let loss = mseLoss(model(x), y)
            let value = Double(loss.item)
            guard value.isFinite, value < 1e6 else {
                run.blewUpAt = step
                break
            }
            run.losses.append(value)
            loss.backward()
            let norm = parameters.compactMap(\.grad).reduce(0.0) { s, g in
                s + g.scalars.reduce(0) { $0 + Double($1) * Double($1) }
            }
            .squareRoot()
            run.gradientNorms.append(norm)
            switch mode {
            case .none: break
            case .value: clipGradValue(parameters, clipValue)
            case .norm: _ = clipGradNorm(parameters, maxNorm: maxNorm)
            }
            optimizer.step()
        }
        return run
    }

    /// Runs the three modes (quick: at most 150 steps) and draws loss and gradient norm against step.
    public func run(_ options: LabOptions) -> LabResult {
        let steps = options.quick ? min(self.steps, 150) : self.steps
        let runs = Mode.allCases.map { train($0, seed: options.seed, steps: steps) }
        var loss = LinePlot(
            title:
                "Deep tanh MLP (\(depth) × \(width), weights × \(LabMath.short(Double(gain)))), SGD lr \(LabMath.short(lr)): loss",
            xLabel: "step", yLabel: "mean squared error (log scale)", yScale: .logarithmic, width: 760, height: 420)
        loss.series = runs.map { LinePlot.Series(name: $0.mode.rawValue, points: LabSeries.curve($0.losses)) }
        loss.verticalLines = runs.compactMap { r in
            r.blewUpAt.map { LinePlot.VerticalLine(x: Double($0), label: "\(r.mode.rawValue): blew up") }
        }
        var norms = LinePlot(
            title: "Gradient norm before clipping", xLabel: "step", yLabel: "‖∇L‖₂ (log scale)", yScale: .logarithmic,
            width: 760, height: 420)
        norms.series = runs.map { LinePlot.Series(name: $0.mode.rawValue, points: LabSeries.curve($0.gradientNorms)) }
        var text =
            "descent lab clipping: MLP \(depth) tanh layers of \(width) units, initial weights × \(LabMath.short(Double(gain))), "
        text +=
            "full-batch SGD lr \(LabMath.short(lr)) on y = sin(Σx) (256 samples, 8 inputs), \(steps) steps; clipping by value θ = "
        text += "\(LabMath.short(Double(clipValue))), by norm \(LabMath.short(Double(maxNorm))).\n\n"
        for r in runs {
            text += "\(r.mode.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) "
            text += r.blewUpAt.map { "blew up at step \($0) (loss not finite or > 1e6)" } ?? "finite throughout"
            text += "; loss \(LabMath.format(r.losses.first ?? .nan)) → \(LabMath.format(r.losses.last ?? .nan)); "
            text += "largest gradient norm \(LabMath.format(r.gradientNorms.max() ?? .nan))\n"
        }
        let finite = runs.filter { $0.blewUpAt == nil }.map(\.mode.rawValue)
        text += "\nFinite to the end: \(finite.isEmpty ? "none" : finite.joined(separator: ", ")).\n"
        return LabResult(experiment: .clipping, plots: [("loss", loss), ("gradient-norm", norms)], summary: text)
    }
}
