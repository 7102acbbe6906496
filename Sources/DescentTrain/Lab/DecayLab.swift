import Descent
import Foundation

/// `descent lab decay`: stochastic gradient descent (``SGD``, batch 1) on a noisy least-squares problem,
/// y = x·w* + ε with x ~ N(0, I), ε ~ N(0, σ²), with four learning-rate schedules from the same start rate:
/// fixed, step decay (``StepLR``), 1/k (``InverseTimeLR``: lr₀/(1 + γk)) and reduce-on-plateau
/// (``ReduceLROnPlateau``, ÷10 after `patience` flat evaluations, continuing from where it was). With a fixed
/// rate the iterate hovers at a noise floor ∝ lr·σ²; a rate that shrinks like 1/k averages the noise out.
public struct DecayLab: Sendable {
    /// Number of features d.
    public var features: Int
    /// Training samples n.
    public var samples: Int
    /// Noise standard deviation σ.
    public var noise: Double
    /// The start rate of every schedule.
    public var lr: Double
    /// SGD steps (each one sample).
    public var steps: Int
    /// Steps between evaluations of the full training loss (the plateau scheduler's "epoch").
    public var evaluateEvery: Int

    /// d = 5, n = 1000, σ = 1, lr 0.05, 6000 steps, an evaluation every 100 steps.
    public init(
        features: Int = 5, samples: Int = 1000, noise: Double = 1, lr: Double = 0.05, steps: Int = 6000,
        evaluateEvery: Int = 100
    ) {
        (self.features, self.samples, self.noise, self.lr, self.steps, self.evaluateEvery) = (
            features, samples, noise, lr, steps, evaluateEvery
        )
    }

    /// The schedules compared.
    public enum Schedule: String, CaseIterable, Sendable {
        /// lr constant.
        case fixed
        /// lr halved every quarter of the run (``StepLR``).
        case step
        /// lr₀/(1 + γk) with γ = lr₀, i.e. 1/(1/lr₀ + k) (``InverseTimeLR``).
        case inverse = "1/k"
        /// ÷10 after 5 evaluations without improvement, down to lr₀/1000 (``ReduceLROnPlateau``).
        case plateau
    }

    /// One schedule's run: the excess loss L(w) − L(ŵ) at each evaluation, and the rate used.
    public struct Outcome: Sendable {
        /// The schedule.
        public var schedule: Schedule
        /// Steps at which the loss was evaluated (0 first).
        public var evaluationSteps: [Int]
        /// Excess training loss ½·mean((x·w − y)²) − the same at the least-squares solution, per evaluation.
        public var excess: [Double]
        /// The learning rate in force at each evaluation.
        public var rates: [Double]
        /// Steps at which reduce-on-plateau cut the rate.
        public var reductions: [Int]
        /// Mean excess over the last fifth of the evaluations (the level it settles at).
        public var finalExcess: Double {
            let tail = excess.suffix(max(1, excess.count / 5))
            return LabMath.mean(Array(tail))
        }
    }

    /// Runs SGD with each schedule from the same start, on the same data and the same sample order.
    public func outcomes(seed: UInt64, steps: Int? = nil) -> [Outcome] {
        let steps = steps ?? self.steps
        let rng = RandomGenerator(seed: seed &+ 101)
        let d = features, n = samples
        let truth = rng.normal([d]).scalars.map(Double.init)
        let x = rng.normal([n, d]).scalars.map(Double.init)
        let eps = rng.normal([n]).scalars.map { Double($0) * noise }
        let y = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + x[i * d + $1] * truth[$1] } + eps[i] }
        // The least-squares solution ŵ = (XᵀX)⁻¹Xᵀy and its loss.
        var gram = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        var xty = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for a in 0..<d {
                xty[a] += x[i * d + a] * y[i]
                for b in 0..<d { gram[a][b] += x[i * d + a] * x[i * d + b] }
            }
        }
        let best = LabMath.solve(gram, xty)
        func loss(_ w: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n {
                var r = -y[i]
                for a in 0..<d { r += x[i * d + a] * w[a] }
                s += r * r
            }
            return 0.5 * s / Double(n)
        }
        let floor = loss(best)
        let order = (0..<steps).map { _ in rng.integer(in: 0..<n) }
        return Schedule.allCases.map { schedule in
            let w = Tensor([Float](repeating: 0, count: d)).requiringGrad()
            let optimizer = SGD([w], lr: lr)
            let stepDecay = StepLR(baseLR: lr, stepSize: max(1, steps / 4), gamma: 0.5)
            let inverse = InverseTimeLR(baseLR: lr, gamma: lr)
            var plateau = ReduceLROnPlateau(factor: 0.1, patience: 5, minLR: lr * 1e-3)
            var out = Outcome(
                schedule: schedule, evaluationSteps: [0], excess: [loss(Array(repeating: 0, count: d)) - floor],
                rates: [lr], reductions: [])
            for k in 0..<steps {
                switch schedule {
                case .fixed, .plateau: break
                case .step: optimizer.lr = stepDecay.lr(at: k)
                case .inverse: optimizer.lr = inverse.lr(at: k)
                }
                let i = order[k], v = w.scalars
                var r = -y[i]
                for a in 0..<d { r += x[i * d + a] * Double(v[a]) }
                w.grad = Tensor((0..<d).map { Float(r * x[i * d + $0]) })
                optimizer.step()
                if (k + 1) % evaluateEvery == 0 || k + 1 == steps {
                    let excess = loss(w.scalars.map(Double.init)) - floor
                    out.evaluationSteps.append(k + 1)
                    out.excess.append(excess)
                    out.rates.append(optimizer.lr)
                    if schedule == .plateau {
                        let before = optimizer.lr
                        _ = plateau.step(excess + floor, optimizer: optimizer)
                        if optimizer.lr < before { out.reductions.append(k + 1) }
                    }
                }
            }
            return out
        }
    }

    /// Runs the comparison (quick: 2000 steps) and draws the excess loss and the rate against step.
    public func run(_ options: LabOptions) -> LabResult {
        let steps = options.quick ? min(self.steps, 2000) : self.steps
        let results = outcomes(seed: options.seed, steps: steps)
        var loss = LinePlot(
            title: "SGD (batch 1) on noisy least squares: excess loss against step", xLabel: "step",
            yLabel: "L(w) − L(ŵ) (log scale)", yScale: .logarithmic, width: 760, height: 420)
        loss.series = results.map { r in
            LinePlot.Series(name: r.schedule.rawValue, x: r.evaluationSteps.map(Double.init), y: r.excess)
        }
        if let p = results.first(where: { $0.schedule == .plateau }) {
            loss.verticalLines = p.reductions.enumerated().map {
                LinePlot.VerticalLine(x: Double($1), label: $0 == 0 ? "plateau: lr ÷10" : "÷10")
            }
        }
        var rates = LinePlot(
            title: "The learning rate of each schedule", xLabel: "step", yLabel: "learning rate (log scale)",
            yScale: .logarithmic, width: 760, height: 360)
        rates.series = results.map { r in
            LinePlot.Series(name: r.schedule.rawValue, x: r.evaluationSteps.map(Double.init), y: r.rates)
        }
        var text =
            "descent lab decay: SGD with batch 1 on y = x·w* + ε (d = \(features), n = \(samples), σ = \(LabMath.short(noise))), "
        text += "\(steps) steps from lr \(LabMath.short(lr)); excess loss = L(w) − L(ŵ) on the training set, "
        text += "ŵ the least-squares solution; 'final' = mean over the last fifth of the evaluations.\n\n"
        for r in results {
            text +=
                "\(r.schedule.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) final excess \(LabMath.format(r.finalExcess)), last lr \(LabMath.format(r.rates.last!))"
            if r.schedule == .plateau {
                text +=
                    r.reductions.isEmpty
                    ? ", no reduction"
                    : ", rate cut ÷10 at steps \(r.reductions.map(String.init).joined(separator: ", "))"
            }
            text += "\n"
        }
        let fixed = results.first { $0.schedule == .fixed }!, inverse = results.first { $0.schedule == .inverse }!
        let ranked = results.sorted { $0.finalExcess < $1.finalExcess }
        text += "\nLowest final excess: \(ranked[0].schedule.rawValue). "
        text += "1/k ends \(inverse.finalExcess < fixed.finalExcess ? "below" : "above") the fixed rate's noise floor "
        text +=
            "(ratio fixed / 1/k = \(LabMath.short((fixed.finalExcess / inverse.finalExcess * 10).rounded() / 10))).\n"
        let csv =
            "schedule,step,excess,lr\n"
            + results.flatMap { r in
                zip(r.evaluationSteps, zip(r.excess, r.rates)).map { "\(r.schedule.rawValue),\($0),\($1.0),\($1.1)" }
            }.joined(separator: "\n") + "\n"
        return LabResult(
            experiment: .decay, plots: [("loss", loss), ("rates", rates)], summary: text, files: [("decay.csv", csv)])
    }
}
