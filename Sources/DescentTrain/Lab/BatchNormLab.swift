import Descent
import DescentData
import Foundation

/// `descent lab batchnorm`: an MLP (``Models/mlp(_:activation:dropout:batchNorm:generator:)``) with and without
/// ``BatchNorm1d`` after each hidden Linear, trained with ``Trainer`` and ``SGD`` (batch 32) on ``BatchLab``'s
/// ill-conditioned Gaussian classes, at a base learning rate and at a higher one; the distribution of each hidden
/// layer's pre-activations (after the batch norm, in the normalised network) as histograms; and the running
/// statistics used at test time: the eval-mode output against (z − running_mean)/√(running_var + ε)·γ + β computed
/// by hand, and the running mean and variance against the training set's own.
public struct BatchNormLab: Sendable {
    /// The data (its sizes and seed offset).
    public var data: BatchLab
    /// Hidden layer sizes.
    public var hidden: [Int]
    /// Epochs per run.
    public var epochs: Int
    /// The base learning rate.
    public var lr: Double
    /// The higher learning rate.
    public var highLR: Double

    /// BatchLab's data, MLP with hidden layers 64-64-64, 10 epochs, lr 0.01 and 2.
    public init(
        data: BatchLab = BatchLab(), hidden: [Int] = [64, 64, 64], epochs: Int = 10, lr: Double = 0.01,
        highLR: Double = 2
    ) {
        (self.data, self.hidden, self.epochs, self.lr, self.highLR) = (data, hidden, epochs, lr, highLR)
    }

    /// One run's record.
    public struct Run: Sendable {
        /// "plain" or "batch norm", and the rate.
        public var name: String
        /// Training loss per epoch (index 0: before training, eval mode).
        public var trainLoss: [Double]
        /// Test accuracy at the end.
        public var testAccuracy: Double
    }

    /// Trains the MLP with or without batch norm at `lr`; returns the run and the model.
    public func train(batchNorm: Bool, lr: Double, seed: UInt64, epochs: Int? = nil) throws -> (Run, Sequential) {
        let sets = data.data(seed: seed), d = data.features
        let train = TensorDataset(inputs: Tensor(sets.train.x, shape: [sets.train.count, d]), labels: sets.train.y)
        let testInputs = Tensor(sets.test.x, shape: [sets.test.count, d])
        let model = Models.mlp(
            [d] + hidden + [data.classes], batchNorm: batchNorm, generator: RandomGenerator(seed: seed &+ 111))
        func trainLoss() -> Double {
            model.eval()
            defer { model.train() }
            return withNoGrad { Double(crossEntropy(model(train.inputs), sets.train.y).item) }
        }
        let start = trainLoss()
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: lr))
        let history = try trainer.fit(
            DataLoader(train, batchSize: 32, shuffle: true, seed: seed &+ 112), epochs: epochs ?? self.epochs)
        model.eval()
        let predicted = withNoGrad { model(testInputs).argmax(axis: 1) }
        let accuracy = Double(zip(predicted, sets.test.y).filter { $0 == $1 }.count) / Double(sets.test.count)
        let name = "\(batchNorm ? "batch norm" : "plain"), lr \(LabMath.short(lr))"
        return (Run(name: name, trainLoss: [start] + history.epochs.map(\.trainLoss), testAccuracy: accuracy), model)
    }

    /// The pre-activations of each hidden layer for `inputs` in eval mode: the output of each batch norm when the
    /// model has them, else of each hidden Linear.
    static func hiddenActivations(_ model: Sequential, _ inputs: Tensor) -> [[Float]] {
        model.eval()
        let hasNorm = model.layers.contains { $0 is BatchNorm1d }
        var x = inputs, out: [[Float]] = []
        withNoGrad {
            for (i, layer) in model.layers.enumerated() {
                x = layer(x)
                let next = i + 1 < model.layers.count ? model.layers[i + 1] : nil
                if hasNorm ? layer is BatchNorm1d : (layer is Linear && next != nil) { out.append(x.scalars) }
            }
        }
        return out
    }

    /// For the first batch norm of `model` on the training `inputs`: the largest difference between its eval
    /// output and the formula with the running statistics, and the largest differences between the running
    /// mean/variance and the mean/variance of its inputs over the whole set.
    public static func runningStatistics(_ model: Sequential, inputs: Tensor) -> (
        formula: Double, mean: Double, variance: Double
    ) {
        model.eval()
        guard let index = model.layers.firstIndex(where: { $0 is BatchNorm1d }),
            let bn = model.layers[index] as? BatchNorm1d
        else { return (.nan, .nan, .nan) }
        return withNoGrad {
            var z = inputs
            for layer in model.layers[..<index] { z = layer(z) }
            let y = bn(z)
            let c = bn.numFeatures, n = z.shape[0], zs = z.scalars, ys = y.scalars
            let rm = bn.runningMean!.scalars, rv = bn.runningVar!.scalars
            let gamma = bn.weight!.scalars, beta = bn.bias!.scalars
            var formula = 0.0, meanDiff = 0.0, varDiff = 0.0
            for j in 0..<c {
                var m = 0.0, v = 0.0
                for i in 0..<n { m += Double(zs[i * c + j]) }
                m /= Double(n)
                for i in 0..<n { v += (Double(zs[i * c + j]) - m) * (Double(zs[i * c + j]) - m) }
                v /= Double(n)
                meanDiff = max(meanDiff, abs(m - Double(rm[j])))
                varDiff = max(varDiff, abs(v - Double(rv[j])) / max(v, 1e-12))
                for i in 0..<n {
                    let expected =
                        (Double(zs[i * c + j]) - Double(rm[j])) / (Double(rv[j]) + Double(bn.eps)).squareRoot()
                        * Double(gamma[j]) + Double(beta[j])
                    formula = max(formula, abs(expected - Double(ys[i * c + j])))
                }
            }
            return (formula, meanDiff, varDiff)
        }
    }

    /// Runs the four trainings (quick: 4 epochs), the histograms and the running-statistics check.
    public func run(_ options: LabOptions) throws -> LabResult {
        let epochs = options.quick ? min(self.epochs, 4) : self.epochs
        let (plain, plainModel) = try train(batchNorm: false, lr: lr, seed: options.seed, epochs: epochs)
        let (normed, normModel) = try train(batchNorm: true, lr: lr, seed: options.seed, epochs: epochs)
        let (plainHigh, _) = try train(batchNorm: false, lr: highLR, seed: options.seed, epochs: epochs)
        let (normedHigh, _) = try train(batchNorm: true, lr: highLR, seed: options.seed, epochs: epochs)
        let runs = [plain, normed, plainHigh, normedHigh]
        var curves = LinePlot(
            title:
                "MLP \(([data.features] + hidden + [data.classes]).map(String.init).joined(separator: "-")), SGD batch 32: training loss",
            xLabel: "epoch", yLabel: "training cross-entropy (log scale)", yScale: .logarithmic, width: 760, height: 420
        )
        curves.series = runs.enumerated().map { i, r in
            var s = LinePlot.Series(
                name: r.name, x: LabMath.steps(r.trainLoss.count), y: r.trainLoss, style: .lineAndMarkers,
                color: PlotPalette.color(i % 2))
            s.dashed = i >= 2
            return s
        }
        let sets = data.data(seed: options.seed)
        let testInputs = Tensor(sets.test.x, shape: [sets.test.count, data.features])
        let trainInputs = Tensor(sets.train.x, shape: [sets.train.count, data.features])
        func histogram(_ model: Sequential, _ title: String) -> LinePlot {
            let layers = Self.hiddenActivations(model, testInputs).map { $0.map(Double.init) }
            let all = layers.flatMap { $0 }.sorted()
            let lo = all.isEmpty ? -1 : all[all.count / 200],
                hi = all.isEmpty ? 1 : all[all.count - 1 - all.count / 200]
            var plot = LinePlot(title: title, xLabel: "pre-activation value", yLabel: "count", width: 760, height: 400)
            plot.series = layers.enumerated().map { i, v in
                LinePlot.histogram(name: "hidden layer \(i + 1)", values: v, bins: 40, range: lo...max(hi, lo + 1e-6))
            }
            return plot
        }
        let plainHist = histogram(plainModel, "Plain MLP: pre-activations of each hidden layer (test inputs)")
        let normHist = histogram(normModel, "Batch-norm MLP: each hidden layer after its batch norm (eval mode)")
        let stats = Self.runningStatistics(normModel, inputs: trainInputs)
        func spread(_ model: Sequential) -> [String] {
            Self.hiddenActivations(model, testInputs).map { v in
                let m = LabMath.mean(v.map(Double.init))
                let s = LabMath.mean(v.map { (Double($0) - m) * (Double($0) - m) }).squareRoot()
                return "mean \(LabMath.format(m)), std \(LabMath.format(s))"
            }
        }
        var text =
            "descent lab batchnorm: MLP \(([data.features] + hidden + [data.classes]).map(String.init).joined(separator: "-")) (ReLU) with and without "
        text += "BatchNorm1d after each hidden Linear, SGD batch 32, \(epochs) epochs, on the batch experiment's data "
        text +=
            "(\(data.classes) Gaussian classes, features scaled 0.2 to 3, \(data.trainSamples) training / \(data.testSamples) test samples).\n\n"
        for r in runs {
            let last = r.trainLoss.last!
            text +=
                "\(r.name.padding(toLength: 22, withPad: " ", startingAt: 0)) training loss \(LabMath.format(r.trainLoss[0])) → "
            text +=
                "\(last.isFinite ? LabMath.format(last) : "non-finite"); test accuracy \(String(format: "%.1f", r.testAccuracy * 100)) %\n"
        }
        text +=
            "At lr \(LabMath.short(lr)) batch norm ends \(normed.trainLoss.last! < plain.trainLoss.last! ? "below" : "above") the plain network; "
        text +=
            "at lr \(LabMath.short(highLR)) it ends \(normedHigh.trainLoss.last! < plainHigh.trainLoss.last! || !plainHigh.trainLoss.last!.isFinite ? "below" : "above") it.\n\n"
        text +=
            "Hidden pre-activations on the test inputs, plain network: "
            + spread(plainModel).enumerated().map { "layer \($0 + 1) \($1)" }.joined(separator: "; ") + "\n"
        text +=
            "after batch norm: "
            + spread(normModel).enumerated().map { "layer \($0 + 1) \($1)" }.joined(separator: "; ") + "\n\n"
        text +=
            "Test-time statistics of the first batch norm (after training, eval mode, the \(data.trainSamples) training inputs): "
        text +=
            "output against (z − running_mean)/√(running_var + ε)·γ + β: max |difference| \(LabMath.format(stats.formula)); "
        text += "running mean against the set's mean: max |difference| \(LabMath.format(stats.mean)); "
        text += "running variance against the set's: max relative difference \(LabMath.format(stats.variance)) "
        text += "(the running values are momentum-0.1 averages over the last batches, not the whole set).\n"
        return LabResult(
            experiment: .batchnorm,
            plots: [("curves", curves), ("activations-plain", plainHist), ("activations-batchnorm", normHist)],
            summary: text)
    }
}
