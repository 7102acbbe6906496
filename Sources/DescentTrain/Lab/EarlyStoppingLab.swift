import Descent
import DescentData
import Foundation

/// `descent lab early-stopping`: an over-parameterised MLP (``Models/mlp(_:activation:dropout:batchNorm:generator:)``)
/// trained with Descent's ``Trainer`` and Adam on a small noisy classification set (two Gaussian classes in d
/// dimensions, a fraction of the training labels flipped) until it overfits: the training loss keeps falling
/// while the validation loss turns up. The same run with the ``EarlyStopping`` callback (validation loss,
/// `patience`, best weights restored) stops after the turn and restores the best epoch; both are tested on a
/// third set.
public struct EarlyStoppingLab: Sendable {
    /// Input dimension d.
    public var features: Int
    /// Training samples (few, so that the network can memorise them).
    public var trainSamples: Int
    /// Validation and test samples (each).
    public var heldOutSamples: Int
    /// Fraction of training labels flipped.
    public var labelNoise: Double
    /// Hidden layer sizes of the MLP.
    public var hidden: [Int]
    /// Most epochs.
    public var epochs: Int
    /// Early stopping's patience (epochs without improvement).
    public var patience: Int
    /// Adam's learning rate.
    public var lr: Double

    /// d = 20, 200 training and 1000 validation/test samples, 20 % label noise, MLP 20-128-128-2, 100 epochs,
    /// patience 10, Adam lr 3e-4.
    public init(
        features: Int = 20, trainSamples: Int = 200, heldOutSamples: Int = 1000, labelNoise: Double = 0.2,
        hidden: [Int] = [128, 128], epochs: Int = 100, patience: Int = 10, lr: Double = 3e-4
    ) {
        (self.features, self.trainSamples, self.heldOutSamples, self.labelNoise) = (
            features, trainSamples, heldOutSamples, labelNoise
        )
        (self.hidden, self.epochs, self.patience, self.lr) = (hidden, epochs, patience, lr)
    }

    /// Two Gaussian classes (means ±μ, ‖μ‖ = 1, unit noise); `flip` of the labels changed.
    func data(_ rng: RandomGenerator, count: Int, flip: Double) -> (TensorDataset, [Int]) {
        let direction = RandomGenerator(seed: 7).normal([features]).scalars
        let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let mean = direction.map { $0 / norm }
        let noise = rng.normal([count, features]).scalars
        var x = [Float](repeating: 0, count: count * features), labels: [Int] = []
        for i in 0..<count {
            let c = rng.integer(in: 0..<2), sign: Float = c == 0 ? -1 : 1
            for j in 0..<features { x[i * features + j] = sign * mean[j] + noise[i * features + j] }
            labels.append(rng.uniformFloat() < Float(flip) ? 1 - c : c)
        }
        return (TensorDataset(inputs: Tensor(x, shape: [count, features]), labels: labels), labels)
    }

    /// One training run: the history, where it stopped, the epoch restored and the test accuracy at the end.
    public struct Run: Sendable {
        /// Training loss per epoch.
        public var trainLoss: [Double]
        /// Validation loss per epoch.
        public var validationLoss: [Double]
        /// Epochs run.
        public var epochsRun: Int
        /// The epoch whose weights were restored (nil: none, the last weights are kept).
        public var restoredEpoch: Int?
        /// Test accuracy of the final weights.
        public var testAccuracy: Double
        /// The epoch with the lowest validation loss (1-based).
        public var bestEpoch: Int { validationLoss.indices.min { validationLoss[$0] < validationLoss[$1] }! + 1 }
    }

    /// Trains once, with early stopping or without, from the same initial weights and batch order.
    public func train(seed: UInt64, earlyStopping: Bool, epochs: Int? = nil) throws -> Run {
        let rng = RandomGenerator(seed: seed &+ 505)
        let (train, _) = data(rng, count: trainSamples, flip: labelNoise)
        let (validation, _) = data(rng, count: heldOutSamples, flip: 0)
        let (test, testLabels) = data(rng, count: heldOutSamples, flip: 0)
        let model = Models.mlp([features] + hidden + [2], generator: RandomGenerator(seed: seed &+ 606))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: lr))
        if earlyStopping { trainer.callbacks = [EarlyStopping(monitor: .validationLoss, patience: patience)] }
        let history = try trainer.fit(
            DataLoader(train, batchSize: 20, shuffle: true, seed: seed &+ 707),
            validation: DataLoader(validation, batchSize: 500), epochs: epochs ?? self.epochs)
        model.eval()
        let predicted = withNoGrad { model(test.inputs).argmax(axis: 1) }
        let accuracy = Double(zip(predicted, testLabels).filter { $0 == $1 }.count) / Double(testLabels.count)
        return Run(
            trainLoss: history.epochs.map(\.trainLoss),
            validationLoss: history.epochs.map { $0.validationLoss ?? .nan },
            epochsRun: history.epochs.count, restoredEpoch: history.restoredEpoch, testAccuracy: accuracy)
    }

    /// Runs both trainings (quick: at most 60 epochs) and draws the curves with the stop and the restored epoch.
    public func run(_ options: LabOptions) throws -> LabResult {
        let epochs = options.quick ? min(self.epochs, 60) : self.epochs
        let full = try train(seed: options.seed, earlyStopping: false, epochs: epochs)
        let stopped = try train(seed: options.seed, earlyStopping: true, epochs: epochs)
        var plot = LinePlot(
            title:
                "MLP \(([features] + hidden + [2]).map(String.init).joined(separator: "-")), \(trainSamples) samples, "
                + "\(Int(labelNoise * 100)) % noisy labels: loss against epoch",
            xLabel: "epoch", yLabel: "cross-entropy", width: 760, height: 440)
        let xs = (1...max(1, full.epochsRun)).map(Double.init)
        plot.series = [
            LinePlot.Series(name: "training", x: xs, y: full.trainLoss),
            LinePlot.Series(name: "validation", x: xs, y: full.validationLoss),
        ]
        plot.verticalLines = [
            LinePlot.VerticalLine(x: Double(stopped.epochsRun), label: "early stop (epoch \(stopped.epochsRun))")
        ]
        if let r = stopped.restoredEpoch {
            plot.verticalLines.insert(LinePlot.VerticalLine(x: Double(r), label: "restored best epoch \(r)"), at: 0)
        }
        var text =
            "descent lab early-stopping: MLP \(([features] + hidden + [2]).map(String.init).joined(separator: "-")) (ReLU), Adam lr \(LabMath.short(lr)), "
        text +=
            "batch 20, on \(trainSamples) training samples (\(Int(labelNoise * 100)) % of labels flipped), \(heldOutSamples) validation and "
        text +=
            "\(heldOutSamples) test samples; EarlyStopping on the validation loss, patience \(patience), best weights restored.\n\n"
        let minimum = full.validationLoss[full.bestEpoch - 1]
        text +=
            "Without early stopping (\(full.epochsRun) epochs): training loss \(LabMath.format(full.trainLoss.first!)) → "
        text +=
            "\(LabMath.format(full.trainLoss.last!)); validation loss lowest \(LabMath.format(minimum)) at epoch \(full.bestEpoch), "
        text +=
            "then \(LabMath.format(full.validationLoss.last!)) at the end (\(full.validationLoss.last! > minimum ? "overfitting: it rose" : "it did not rise")); "
        text += "test accuracy \(String(format: "%.1f", full.testAccuracy * 100)) %.\n"
        text += "With early stopping: stopped after epoch \(stopped.epochsRun)"
        text += stopped.restoredEpoch.map { ", restored epoch \($0)" } ?? ", nothing restored"
        text += "; test accuracy \(String(format: "%.1f", stopped.testAccuracy * 100)) % "
        text +=
            "(\(String(format: "%+.1f", (stopped.testAccuracy - full.testAccuracy) * 100)) points against training on), "
        text += "\(max(0, full.epochsRun - stopped.epochsRun)) epochs saved.\n"
        let csv =
            "epoch,train_loss,validation_loss\n"
            + xs.indices.map { "\($0 + 1),\(full.trainLoss[$0]),\(full.validationLoss[$0])" }.joined(separator: "\n")
            + "\n"
        return LabResult(
            experiment: .earlyStopping, plots: [("curves", plot)], summary: text, files: [("curves.csv", csv)])
    }
}
