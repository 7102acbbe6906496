import Descent
import Foundation

/// `descent lab weight-decay`: ridge regression, minimise ½·mean((Xw − y)²) + ½α‖w‖², on correlated features
/// (x_j = 0.8·s + 0.6·e_j, a shared factor s). The closed form w(α) = (XᵀX/n + αI)⁻¹Xᵀy/n is compared with full-batch
/// gradient descent using ``SGD``'s `weightDecay: α` (the same objective); the regularisation path w(α) over
/// α on a log axis; training and validation error against α; and the α a held-out search picks, tested on a
/// third set.
public struct WeightDecayLab: Sendable {
    /// Number of features d.
    public var features: Int
    /// Training samples (few, so that α matters).
    public var trainSamples: Int
    /// Validation samples (for picking α).
    public var validationSamples: Int
    /// Test samples (to check the pick).
    public var testSamples: Int
    /// Noise standard deviation σ.
    public var noise: Double
    /// The α values of the path, log-spaced.
    public var alphas: [Double]
    /// The α values at which gradient descent is checked against the closed form.
    public var checkedAlphas: [Double]

    /// d = 10, 30 training, 200 validation and 1000 test samples, σ = 3; α from 1e-3 to 1e3 (49 values).
    public init(
        features: Int = 10, trainSamples: Int = 30, validationSamples: Int = 200, testSamples: Int = 1000,
        noise: Double = 3, alphas: [Double] = (0...48).map { pow(10, -3 + Double($0) / 8) },
        checkedAlphas: [Double] = [0.01, 0.1, 1, 10]
    ) {
        (self.features, self.trainSamples, self.validationSamples, self.testSamples, self.noise) = (
            features, trainSamples, validationSamples, testSamples, noise
        )
        (self.alphas, self.checkedAlphas) = (alphas, checkedAlphas)
    }

    /// The true coefficients: a few large ones of both signs, some zeros.
    public static let truth: [Double] = [3, -2, 1.5, 0, 0, 1, 0, -1, 0, 0.5]

    /// A data set: rows of x and the targets.
    struct Data {
        var x: [[Double]]
        var y: [Double]

        /// ½·mean((x·w − y)²).
        func loss(_ w: [Double]) -> Double {
            0.5
                * LabMath.mean(
                    zip(x, y).map { row, t in
                        let r = zip(row, w).reduce(-t) { $0 + $1.0 * $1.1 }; return r * r
                    })
        }
    }

    func data(_ rng: RandomGenerator, count: Int) -> Data {
        let d = features
        let truth = (0..<d).map { Self.truth[$0 % Self.truth.count] }
        var x: [[Double]] = [], y: [Double] = []
        for _ in 0..<count {
            let s = Double(rng.normal([1]).item), e = rng.normal([d]).scalars.map(Double.init)
            let row = e.map { 0.8 * s + 0.6 * $0 }
            x.append(row)
            y.append(zip(row, truth).reduce(0) { $0 + $1.0 * $1.1 } + noise * Double(rng.normal([1]).item))
        }
        return Data(x: x, y: y)
    }

    /// The closed-form ridge solution (XᵀX/n + αI)⁻¹Xᵀy/n.
    static func closedForm(_ data: Data, alpha: Double) -> [Double] {
        let d = data.x[0].count, n = Double(data.x.count)
        var a = [[Double]](repeating: [Double](repeating: 0, count: d), count: d), b = [Double](repeating: 0, count: d)
        for (row, t) in zip(data.x, data.y) {
            for i in 0..<d {
                b[i] += row[i] * t / n
                for j in 0..<d { a[i][j] += row[i] * row[j] / n }
            }
        }
        for i in 0..<d { a[i][i] += alpha }
        return LabMath.solve(a, b)
    }

    /// Full-batch gradient descent with Descent's ``SGD`` and `weightDecay: alpha` (gradient of the data term
    /// Xᵀ(Xw − y)/n set by hand; the optimizer adds αw), lr = 1/(λ_max + α) from the Gram matrix's trace bound,
    /// until the step is below 1e-9 or `maxSteps`. Returns the weights and the steps taken.
    static func gradientDescent(_ data: Data, alpha: Double, maxSteps: Int = 20000) -> (w: [Double], steps: Int) {
        let d = data.x[0].count, n = Double(data.x.count)
        let trace = data.x.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / n  // ≥ λ_max
        let w = Tensor([Float](repeating: 0, count: d)).requiringGrad()
        let optimizer = SGD([w], lr: 1 / (trace + alpha), weightDecay: alpha)
        var previous = w.scalars, steps = 0
        while steps < maxSteps {
            let v = w.scalars.map(Double.init)
            var g = [Double](repeating: 0, count: d)
            for (row, t) in zip(data.x, data.y) {
                let r = zip(row, v).reduce(-t) { $0 + $1.0 * $1.1 }
                for i in 0..<d { g[i] += r * row[i] / n }
            }
            w.grad = Tensor(g.map(Float.init))
            optimizer.step()
            steps += 1
            let now = w.scalars
            if zip(now, previous).map({ abs($0 - $1) }).max()! < 1e-9 { break }
            previous = now
        }
        return (w.scalars.map(Double.init), steps)
    }

    /// The measurements: the largest |GD − closed form| per checked α, the path, the errors and the pick.
    public struct Outcome: Sendable {
        /// (α, max |w_GD − w_closed|, GD steps) per checked α.
        public var agreement: [(alpha: Double, difference: Double, steps: Int)]
        /// The α values of the path.
        public var alphas: [Double]
        /// path[i] = w(alphas[i]).
        public var path: [[Double]]
        /// Training, validation and test error ½·mean(r²) per α.
        public var trainError: [Double], validationError: [Double], testError: [Double]
        /// The index of the α with the lowest validation error.
        public var picked: Int
        /// Coefficients whose sign differs between the smallest α and some larger α (|w| > 1e-6 both).
        public var signChanges: [Int]
    }

    /// Runs the measurements on data drawn from `seed`.
    public func outcome(seed: UInt64) -> Outcome {
        let rng = RandomGenerator(seed: seed &+ 202)
        let train = data(rng, count: trainSamples), validation = data(rng, count: validationSamples)
        let test = data(rng, count: testSamples)
        let agreement = checkedAlphas.map { a -> (alpha: Double, difference: Double, steps: Int) in
            let exact = Self.closedForm(train, alpha: a), gd = Self.gradientDescent(train, alpha: a)
            return (a, zip(exact, gd.w).map { abs($0 - $1) }.max()!, gd.steps)
        }
        let path = alphas.map { Self.closedForm(train, alpha: $0) }
        let validationError = path.map(validation.loss)
        let picked = validationError.indices.min { validationError[$0] < validationError[$1] }!
        let signChanges = (0..<features).filter { j in
            let first = path[0][j]
            return abs(first) > 1e-6 && path.contains { abs($0[j]) > 1e-6 && ($0[j] > 0) != (first > 0) }
        }
        return Outcome(
            agreement: agreement, alphas: alphas, path: path, trainError: path.map(train.loss),
            validationError: validationError, testError: path.map(test.loss), picked: picked, signChanges: signChanges)
    }

    /// Runs everything and draws the regularisation path and the errors against α.
    public func run(_ options: LabOptions) -> LabResult {
        let o = outcome(seed: options.seed)
        let best = o.alphas[o.picked]
        var path = LinePlot(
            title: "Ridge regularisation path: coefficients w_j(α) (closed form, n = \(trainSamples), d = \(features))",
            xLabel: "α (log scale)", yLabel: "coefficient", xScale: .logarithmic, width: 760, height: 460)
        path.series = (0..<features).map { j in
            var s = LinePlot.Series(name: "w\(j + 1)", x: o.alphas, y: o.path.map { $0[j] })
            s.dashed = o.signChanges.contains(j)
            return s
        }
        path.verticalLines = [LinePlot.VerticalLine(x: best, label: "held-out α = \(LabMath.short(best))")]
        var errors = LinePlot(
            title: "Training, validation and test error against α", xLabel: "α (log scale)",
            yLabel: "½·mean squared error", xScale: .logarithmic, width: 760, height: 420)
        errors.series = [
            LinePlot.Series(name: "training", x: o.alphas, y: o.trainError),
            LinePlot.Series(name: "validation", x: o.alphas, y: o.validationError),
            LinePlot.Series(name: "test", x: o.alphas, y: o.testError),
        ]
        errors.verticalLines = [LinePlot.VerticalLine(x: best, label: "picked α = \(LabMath.short(best))")]
        var text = "descent lab weight-decay: ridge regression ½·mean((Xw − y)²) + ½α‖w‖², d = \(features) correlated "
        text +=
            "features, \(trainSamples) training / \(validationSamples) validation / \(testSamples) test samples, σ = \(LabMath.short(noise)).\n\n"
        text += "Closed form (XᵀX/n + αI)⁻¹Xᵀy/n against full-batch GD (SGD with weightDecay = α):\n"
        for a in o.agreement {
            text +=
                "  α = \(LabMath.short(a.alpha)): max |w_GD − w_closed| = \(LabMath.format(a.difference)) after \(a.steps) steps\n"
        }
        let worst = o.agreement.map(\.difference).max() ?? 0
        text +=
            "  largest difference \(LabMath.format(worst)): \(worst < 1e-4 ? "agree to 1e-4" : "do NOT agree to 1e-4")\n\n"
        let norms = o.path.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        text += "Path: ‖w‖ falls from \(LabMath.format(norms.first!)) at α = \(LabMath.short(o.alphas.first!)) to "
        text += "\(LabMath.format(norms.last!)) at α = \(LabMath.short(o.alphas.last!)); "
        text +=
            o.signChanges.isEmpty
            ? "no coefficient changes sign.\n"
            : "coefficients \(o.signChanges.map { "w\($0 + 1)" }.joined(separator: ", ")) change sign (dashed).\n"
        text +=
            "Training error rises monotonically with α: \(zip(o.trainError, o.trainError.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 }).\n\n"
        text +=
            "Held-out search: α = \(LabMath.short(best)) has the lowest validation error \(LabMath.format(o.validationError[o.picked])) "
        text +=
            "(smallest α: \(LabMath.format(o.validationError.first!)), largest: \(LabMath.format(o.validationError.last!))); "
        text +=
            "its test error \(LabMath.format(o.testError[o.picked])) against \(LabMath.format(o.testError.first!)) at the smallest α.\n"
        var csv =
            "alpha,train_error,validation_error,test_error," + (1...features).map { "w\($0)" }.joined(separator: ",")
            + "\n"
        for i in o.alphas.indices {
            csv += "\(o.alphas[i]),\(o.trainError[i]),\(o.validationError[i]),\(o.testError[i]),"
            csv += o.path[i].map { "\($0)" }.joined(separator: ",") + "\n"
        }
        return LabResult(
            experiment: .weightDecay, plots: [("path", path), ("errors", errors)], summary: text,
            files: [("ridge.csv", csv)])
    }
}
