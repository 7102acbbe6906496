import Descent
import Foundation

/// `descent lab batch`: batch gradient descent (the whole training set per update), stochastic gradient descent
/// (batch 1) and mini-batch gradient descent (batch 32) training the same softmax-regression model (logits =
/// xW + b, cross-entropy, Descent's autograd and ``SGD``) on the same data: Gaussian classes in d dimensions
/// (class means drawn once, unit noise), generated so that the experiment needs no downloaded data. Loss
/// against epochs and against wall time, updates per epoch and final test accuracy; then the notes' "larger
/// batches need a larger learning rate": a fixed number of epochs at several batch sizes with the rate fixed and
/// with the rate scaled linearly with the batch size.
public struct BatchLab: Sendable {
    /// Input dimension d.
    public var features: Int
    /// Number of classes.
    public var classes: Int
    /// Training samples.
    public var trainSamples: Int
    /// Test samples.
    public var testSamples: Int
    /// Epochs of the first comparison.
    public var epochs: Int
    /// (name, batch size (nil: the whole set), learning rate) of the first comparison.
    public var methods: [(name: String, batch: Int?, lr: Double)]
    /// Batch sizes of the scaling comparison.
    public var scalingBatches: [Int]
    /// The rate at the smallest of ``scalingBatches``.
    public var baseLR: Double
    /// Epochs of the scaling comparison.
    public var scalingEpochs: Int

    /// d = 20, 4 classes, 2000 training and 1000 test samples, 20 epochs of batch GD (lr 0.1), SGD (lr 0.002) and
    /// mini-batch 32 (lr 0.02); scaling: batches 8…512 for 3 epochs from lr 0.002 at batch 8.
    public init(
        features: Int = 20, classes: Int = 4, trainSamples: Int = 2000, testSamples: Int = 1000, epochs: Int = 20,
        methods: [(name: String, batch: Int?, lr: Double)] = [
            ("batch GD", nil, 0.1), ("SGD (batch 1)", 1, 0.002), ("mini-batch 32", 32, 0.02),
        ],
        scalingBatches: [Int] = [8, 32, 128, 512], baseLR: Double = 0.002, scalingEpochs: Int = 3
    ) {
        (self.features, self.classes, self.trainSamples, self.testSamples, self.epochs) = (
            features, classes, trainSamples, testSamples, epochs
        )
        (self.methods, self.scalingBatches, self.baseLR, self.scalingEpochs) = (
            methods, scalingBatches, baseLR, scalingEpochs
        )
    }

    /// A labelled set: rows of `features` floats, flattened, and the class of each.
    struct Data {
        var x: [Float]
        var y: [Int]
        var count: Int { y.count }
    }

    /// Training and test sets drawn from the same class means (entries N(0, 0.5²), unit noise), feature j
    /// scaled by s_j ∈ [0.2, 3].
    func data(seed: UInt64) -> (train: Data, test: Data) {
        let rng = RandomGenerator(seed: seed &+ 303)
        let means = rng.normal([classes, features], std: 0.5).scalars
        // Feature j is scaled by s_j, log-spaced from 0.2 to 3: an ill-conditioned problem, so that one
        // gradient direction is not already the answer and the number and size of the updates matter.
        let scales = (0..<features).map { Float(0.2 * pow(15, Double($0) / Double(max(1, features - 1)))) }
        func draw(_ n: Int) -> Data {
            let labels = (0..<n).map { _ in rng.integer(in: 0..<classes) }
            let noise = rng.normal([n, features]).scalars
            var x = [Float](repeating: 0, count: n * features)
            for i in 0..<n {
                for j in 0..<features {
                    x[i * features + j] = scales[j] * (means[labels[i] * features + j] + noise[i * features + j])
                }
            }
            return Data(x: x, y: labels)
        }
        return (draw(trainSamples), draw(testSamples))
    }

    /// The model's parameters, zero-initialised (the loss is convex, so the start does not matter).
    func parameters() -> (w: Tensor, b: Tensor) {
        (Tensor.zeros([features, classes]).requiringGrad(), Tensor.zeros([classes]).requiringGrad())
    }

    /// Mean cross-entropy and accuracy of (w, b) on `data`.
    func evaluate(_ w: Tensor, _ b: Tensor, on data: Data) -> (loss: Double, accuracy: Double) {
        withNoGrad {
            let logits = Tensor(data.x, shape: [data.count, features]).matmul(w) + b
            let loss = Double(crossEntropy(logits, data.y).item)
            let predicted = logits.argmax(axis: 1)
            return (loss, Double(zip(predicted, data.y).filter { $0 == $1 }.count) / Double(data.count))
        }
    }

    /// One training run's record.
    public struct Run: Sendable {
        /// The method's name.
        public var name: String
        /// Samples per update.
        public var batch: Int
        /// The learning rate.
        public var lr: Double
        /// Parameter updates per epoch, ⌈n / batch⌉.
        public var updatesPerEpoch: Int
        /// Training loss after each epoch (index 0: before training).
        public var trainLoss: [Double]
        /// Cumulative training seconds at each entry of ``trainLoss`` (evaluation time excluded).
        public var seconds: [Double]
        /// Test accuracy after the last epoch.
        public var testAccuracy: Double
    }

    /// Trains for `epochs` epochs with batch size `batch` (reshuffled each epoch with the seed) and rate `lr`.
    func train(name: String, batch: Int, lr: Double, epochs: Int, data: (train: Data, test: Data), seed: UInt64) -> Run
    {
        let (w, b) = parameters()
        let optimizer = SGD([w, b], lr: lr)
        let n = data.train.count, d = features
        let rng = RandomGenerator(seed: seed &+ 404)
        var run = Run(
            name: name, batch: batch, lr: lr, updatesPerEpoch: (n + batch - 1) / batch,
            trainLoss: [evaluate(w, b, on: data.train).loss], seconds: [0], testAccuracy: 0)
        var elapsed = 0.0
        for _ in 0..<epochs {
            let order = batch >= n ? Array(0..<n) : rng.permutation(n)
            let start = DispatchTime.now().uptimeNanoseconds
            for first in stride(from: 0, to: n, by: batch) {
                let rows = order[first..<min(n, first + batch)]
                var xb = [Float](), yb = [Int]()
                xb.reserveCapacity(rows.count * d)
                for i in rows {
                    xb.append(contentsOf: data.train.x[(i * d)..<((i + 1) * d)])
                    yb.append(data.train.y[i])
                }
                optimizer.zeroGrad()
                let loss = crossEntropy(Tensor(xb, shape: [rows.count, d]).matmul(w) + b, yb)
                loss.backward()
                optimizer.step()
            }
            elapsed += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            run.trainLoss.append(evaluate(w, b, on: data.train).loss)
            run.seconds.append(elapsed)
        }
        run.testAccuracy = evaluate(w, b, on: data.test).accuracy
        return run
    }

    /// The first comparison: each method for `epochs` epochs.
    public func methodRuns(seed: UInt64, epochs: Int? = nil) -> [Run] {
        let sets = data(seed: seed)
        return methods.map { m in
            train(
                name: m.name, batch: m.batch ?? trainSamples, lr: m.lr, epochs: epochs ?? self.epochs, data: sets,
                seed: seed)
        }
    }

    /// The scaling comparison: (batch, test accuracy with lr fixed at `baseLR`, with lr = baseLR·batch/batch₀).
    public func scalingRuns(seed: UInt64) -> [(batch: Int, fixed: Double, scaled: Double)] {
        let sets = data(seed: seed), b0 = Double(scalingBatches.first ?? 1)
        return scalingBatches.map { batch in
            let fixed = train(name: "fixed", batch: batch, lr: baseLR, epochs: scalingEpochs, data: sets, seed: seed)
            let scaled = train(
                name: "scaled", batch: batch, lr: baseLR * Double(batch) / b0, epochs: scalingEpochs, data: sets,
                seed: seed)
            return (batch, fixed.testAccuracy, scaled.testAccuracy)
        }
    }

    /// Runs both comparisons (quick: 5 epochs) and draws loss against epoch and time, and accuracy against batch.
    public func run(_ options: LabOptions) -> LabResult {
        let runs = methodRuns(seed: options.seed, epochs: options.quick ? min(epochs, 5) : epochs)
        let scaling = scalingRuns(seed: options.seed)
        var byEpoch = LinePlot(
            title: "Softmax regression, \(trainSamples) samples: training loss against epoch", xLabel: "epoch",
            yLabel: "training cross-entropy", width: 720, height: 400)
        byEpoch.series = runs.map {
            LinePlot.Series(
                name: $0.name, x: LabMath.steps($0.trainLoss.count), y: $0.trainLoss, style: .lineAndMarkers)
        }
        var byTime = LinePlot(
            title: "The same runs: training loss against wall time", xLabel: "training time (s)",
            yLabel: "training cross-entropy", width: 720, height: 400)
        byTime.series = runs.map {
            LinePlot.Series(name: $0.name, x: $0.seconds, y: $0.trainLoss, style: .lineAndMarkers)
        }
        var scale = LinePlot(
            title: "Test accuracy after \(scalingEpochs) epochs against batch size", xLabel: "batch size (log scale)",
            yLabel: "test accuracy", xScale: .logarithmic, width: 720, height: 400)
        scale.series = [
            LinePlot.Series(
                name: "lr fixed at \(LabMath.short(baseLR))", x: scaling.map { Double($0.batch) },
                y: scaling.map(\.fixed), style: .lineAndMarkers),
            LinePlot.Series(
                name: "lr ∝ batch size (\(LabMath.short(baseLR)) at \(scalingBatches.first ?? 1))",
                x: scaling.map { Double($0.batch) }, y: scaling.map(\.scaled), style: .lineAndMarkers),
        ]
        var text =
            "descent lab batch: softmax regression (logits = xW + b, cross-entropy, SGD) on \(classes) Gaussian classes "
        text +=
            "in \(features) dimensions, \(trainSamples) training / \(testSamples) test samples (generated with seed \(options.seed)).\n\n"
        for r in runs {
            text +=
                "\(r.name.padding(toLength: 14, withPad: " ", startingAt: 0)) lr \(LabMath.short(r.lr)), \(r.updatesPerEpoch) updates/epoch: "
            text +=
                "training loss \(LabMath.format(r.trainLoss.first!)) → after epoch 1 \(LabMath.format(r.trainLoss[1])) → final \(LabMath.format(r.trainLoss.last!)); "
            text +=
                "\(String(format: "%.3f", r.seconds.last!)) s of training; test accuracy \(String(format: "%.1f", r.testAccuracy * 100)) %\n"
        }
        if let fastest = runs.min(by: { $0.trainLoss[1] < $1.trainLoss[1] }),
            let cheapest = runs.min(by: { $0.seconds.last! < $1.seconds.last! })
        {
            text += "Lowest loss after one epoch: \(fastest.name); least total training time: \(cheapest.name).\n"
        }
        // Time to a common loss: the highest final loss, which every run reaches.
        let target = runs.map { $0.trainLoss.last! }.max() ?? 0
        text += "Training time to reach loss \(LabMath.format(target)) (the highest final loss): "
        text +=
            runs.map { r -> String in
                let i = r.trainLoss.firstIndex { $0 <= target }!
                return "\(r.name) \(String(format: "%.3f", r.seconds[i])) s (\(i) epoch\(i == 1 ? "" : "s"))"
            }.joined(separator: ", ") + ".\n"
        text += "\nBatch size and learning rate (\(scalingEpochs) epochs each; test accuracy):\n"
        for s in scaling {
            text +=
                "  batch \(String(s.batch).padding(toLength: 4, withPad: " ", startingAt: 0)) lr fixed \(String(format: "%.1f", s.fixed * 100)) %, "
            text +=
                "lr scaled (\(LabMath.short(baseLR * Double(s.batch) / Double(scalingBatches.first ?? 1)))) \(String(format: "%.1f", s.scaled * 100)) %\n"
        }
        if let last = scaling.last, let first = scaling.first {
            text +=
                "With the rate fixed, batch \(last.batch) ends \(String(format: "%.1f", (first.fixed - last.fixed) * 100)) points below batch \(first.batch); "
            text +=
                "with the rate scaled it ends \(String(format: "%+.1f", (last.scaled - first.scaled) * 100)) points from it.\n"
        }
        let csv =
            "method,batch,lr,updates_per_epoch,epoch,train_loss,seconds\n"
            + runs.flatMap { r in
                r.trainLoss.indices.map {
                    "\(r.name),\(r.batch),\(r.lr),\(r.updatesPerEpoch),\($0),\(r.trainLoss[$0]),\(r.seconds[$0])"
                }
            }.joined(separator: "\n") + "\n"
        return LabResult(
            experiment: .batch, plots: [("loss-epochs", byEpoch), ("loss-time", byTime), ("batch-size", scale)],
            summary: text,
            files: [("batch.csv", csv)])
    }
}
