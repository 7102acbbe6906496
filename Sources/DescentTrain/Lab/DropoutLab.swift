import Descent
import DescentData
import Foundation

/// `descent lab dropout`: the train/validation gap of an over-parameterised MLP trained with Descent's ``Trainer``
/// and Adam on the small noisy set of ``EarlyStoppingLab``, without dropout and with ``Dropout`` (p = 0.5) after
/// each hidden layer; and the numeric check that inverted dropout (Descent's default: scale by 1/p_keep while
/// training) and the notes' classic form (plain mask while training, W_test = p_keep·W_trained at test time) are
/// the same model: with W_classic = W_inverted/p_keep, their training outputs under the same mask and their test
/// outputs agree.
public struct DropoutLab: Sendable {
    /// The data and network of the comparison (its `epochs`, `hidden`, `lr`, sizes).
    public var setup: EarlyStoppingLab
    /// Dropout probability of the regularised network.
    public var p: Float

    /// The ``EarlyStoppingLab`` defaults (MLP 20-128-128-2, 200 noisy samples, 100 epochs), p = 0.5.
    public init(setup: EarlyStoppingLab = EarlyStoppingLab(), p: Float = 0.5) { (self.setup, self.p) = (setup, p) }

    /// One network's training: per-epoch curves (the training loss under dropout), the final losses in eval
    /// mode and the test accuracy.
    public struct Run: Sendable {
        /// Training loss per epoch as the trainer logged it (with dropout active, if any).
        public var trainLoss: [Double]
        /// Validation loss per epoch.
        public var validationLoss: [Double]
        /// Final training loss with dropout off (eval mode).
        public var finalTrainLoss: Double
        /// Final validation loss.
        public var finalValidationLoss: Double
        /// Final test accuracy.
        public var testAccuracy: Double
        /// finalValidationLoss − finalTrainLoss.
        public var gap: Double { finalValidationLoss - finalTrainLoss }
    }

    /// Trains the MLP with dropout probability `dropout` (0: none); returns the run and the trained model.
    public func train(seed: UInt64, dropout: Float, epochs: Int? = nil) throws -> (Run, Sequential) {
        let s = setup, rng = RandomGenerator(seed: seed &+ 505)
        let (train, trainLabels) = s.data(rng, count: s.trainSamples, flip: s.labelNoise)
        let (validation, validationLabels) = s.data(rng, count: s.heldOutSamples, flip: 0)
        let (test, testLabels) = s.data(rng, count: s.heldOutSamples, flip: 0)
        let model = Models.mlp(
            [s.features] + s.hidden + [2], dropout: dropout, generator: RandomGenerator(seed: seed &+ 606))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: s.lr))
        let history = try trainer.fit(
            DataLoader(train, batchSize: 20, shuffle: true, seed: seed &+ 707),
            validation: DataLoader(validation, batchSize: 500), epochs: epochs ?? s.epochs)
        model.eval()
        func loss(_ set: TensorDataset, _ labels: [Int]) -> Double {
            withNoGrad { Double(crossEntropy(model(set.inputs), labels).item) }
        }
        let predicted = withNoGrad { model(test.inputs).argmax(axis: 1) }
        let run = Run(
            trainLoss: history.epochs.map(\.trainLoss),
            validationLoss: history.epochs.map { $0.validationLoss ?? .nan },
            finalTrainLoss: loss(train, trainLabels), finalValidationLoss: loss(validation, validationLabels),
            testAccuracy: Double(zip(predicted, testLabels).filter { $0 == $1 }.count) / Double(testLabels.count))
        return (run, model)
    }

    /// The largest differences between inverted dropout and classic dropout with W_classic = W/p_keep on the
    /// first hidden layer of `model` (an `mlp` with dropout): training outputs under the same mask, and test
    /// outputs, the classic ones computed with W_test = p_keep·W_classic.
    public static func formsAgree(model: Sequential, inputs: Tensor, p: Float, seed: UInt64) -> (
        train: Double, test: Double
    ) {
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.detach()) })
        let w1 = named["0.weight"]!, b1 = named["0.bias"]!, w2 = named["3.weight"]!, b2 = named["3.bias"]!
        let keep = 1 - p
        return withNoGrad {
            let h = inputs.linear(weight: w1, bias: b1).relu()
            let classic = w2 * (1 / keep)  // the classic network's trained weights
            let invertedTrain = h.dropout(p: p, scaling: .inverted, generator: RandomGenerator(seed: seed))
                .linear(weight: w2, bias: b2)
            let classicTrain = h.dropout(p: p, scaling: .atTest, generator: RandomGenerator(seed: seed))
                .linear(weight: classic, bias: b2)
            let invertedTest = h.linear(weight: w2, bias: b2)
            let classicTest = h.linear(weight: classic * keep, bias: b2)  // W_test = p_keep · W_trained
            func maxDiff(_ a: Tensor, _ b: Tensor) -> Double {
                zip(a.scalars, b.scalars).map { Double(abs($0 - $1)) }.max() ?? 0
            }
            return (maxDiff(invertedTrain, classicTrain), maxDiff(invertedTest, classicTest))
        }
    }

    /// Trains both networks (quick: at most 40 epochs), runs the check, draws the curves.
    public func run(_ options: LabOptions) throws -> LabResult {
        let epochs = options.quick ? min(setup.epochs, 40) : setup.epochs
        let (plain, _) = try train(seed: options.seed, dropout: 0, epochs: epochs)
        let (dropped, model) = try train(seed: options.seed, dropout: p, epochs: epochs)
        let inputs = RandomGenerator(seed: options.seed &+ 808).normal([256, setup.features])
        let checks = [p, 0.2].map { q in (q, Self.formsAgree(model: model, inputs: inputs, p: q, seed: options.seed)) }
        let xs = (1...max(1, plain.trainLoss.count)).map(Double.init)
        var plot = LinePlot(
            title:
                "MLP \(([setup.features] + setup.hidden + [2]).map(String.init).joined(separator: "-")) on \(setup.trainSamples) noisy samples: without and with dropout p = \(LabMath.short(Double(p)))",
            xLabel: "epoch", yLabel: "cross-entropy", width: 760, height: 440)
        var withTrain = LinePlot.Series(
            name: "training, dropout", x: xs, y: dropped.trainLoss, color: PlotPalette.color(0))
        var withValidation = LinePlot.Series(
            name: "validation, dropout", x: xs, y: dropped.validationLoss, color: PlotPalette.color(1))
        withTrain.dashed = true
        withValidation.dashed = true
        plot.series = [
            LinePlot.Series(name: "training, no dropout", x: xs, y: plain.trainLoss, color: PlotPalette.color(0)),
            LinePlot.Series(
                name: "validation, no dropout", x: xs, y: plain.validationLoss, color: PlotPalette.color(1)),
            withTrain, withValidation,
        ]
        var text =
            "descent lab dropout: MLP \(([setup.features] + setup.hidden + [2]).map(String.init).joined(separator: "-")) (ReLU), Adam lr \(LabMath.short(setup.lr)), "
        text +=
            "\(epochs) epochs on \(setup.trainSamples) samples with \(Int(setup.labelNoise * 100)) % flipped labels; losses in eval mode after training.\n\n"
        for (name, r) in [("no dropout", plain), ("dropout p = \(LabMath.short(Double(p)))", dropped)] {
            text +=
                "\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) training loss \(LabMath.format(r.finalTrainLoss)), validation loss "
            text +=
                "\(LabMath.format(r.finalValidationLoss)), gap \(LabMath.format(r.gap)), test accuracy \(String(format: "%.1f", r.testAccuracy * 100)) %\n"
        }
        text +=
            "Dropout \(dropped.gap < plain.gap ? "narrows" : "does not narrow") the gap (\(LabMath.format(plain.gap)) → \(LabMath.format(dropped.gap))) "
        text +=
            "and changes test accuracy by \(String(format: "%+.1f", (dropped.testAccuracy - plain.testAccuracy) * 100)) points.\n\n"
        text +=
            "Inverted dropout vs classic dropout with W_test = p_keep·W_trained (trained network's first layers, 256 inputs):\n"
        for (q, c) in checks {
            text +=
                "  p = \(LabMath.short(Double(q))): max |difference| training (same mask) \(LabMath.format(c.train)), test \(LabMath.format(c.test))"
            text += max(c.train, c.test) <= 1e-6 ? " (agree to 1e-6)\n" : " (do NOT agree to 1e-6)\n"
        }
        return LabResult(experiment: .dropout, plots: [("curves", plot)], summary: text)
    }
}
