import Descent
import DescentData
import Foundation

/// `descent lab gan`: what a conditional GAN's samples add in a small-data regime. Per seed, 1,000 labelled
/// training images (MNIST when found under `$DESCENT_DATA`, without downloading, else Descent's generated shapes;
/// the same subsets as ``AugmentationLab``) train a conditional DCGAN (``GANStep``, one-hot labels, Adam lr 2e-4,
/// β₁ 0.5); `ratio · 1,000` of its samples (balanced classes) are then mixed into the training set. The MLP
/// 784-256-10 of ``AugmentationLab`` is trained four ways — real images only, with augmentation (``RandomAffine``
/// rotation ±10°, translation ±10 %), with the GAN samples, with both — and tested on the same held-out images.
/// The summary gives each condition's final test accuracy as mean ± standard deviation over the seeds and per
/// seed, and how often the real-only classifier labels the GAN samples as intended. Not part of `lab all`: the
/// GAN training takes minutes.
public struct GANLab: Sendable {
    /// Labelled training images per seed.
    public var trainSamples: Int
    /// Test images.
    public var testSamples: Int
    /// Seeds (each a different subset, initialisation, GAN and order).
    public var seeds: Int
    /// Classifier epochs.
    public var epochs: Int
    /// GAN epochs over the labelled images (batch 32).
    public var ganEpochs: Int
    /// Generated samples per labelled image.
    public var ratio: Double
    /// Use MNIST when it is found (false: always the generated shapes).
    public var preferMNIST: Bool

    /// 1,000 labelled and 2,000 test images, 3 seeds, 40 classifier epochs, 30 GAN epochs, ratio 1, MNIST when
    /// found.
    public init(
        trainSamples: Int = 1000, testSamples: Int = 2000, seeds: Int = 3, epochs: Int = 40, ganEpochs: Int = 30,
        ratio: Double = 1, preferMNIST: Bool = true
    ) {
        (self.trainSamples, self.testSamples, self.seeds, self.epochs) = (trainSamples, testSamples, seeds, epochs)
        (self.ganEpochs, self.ratio, self.preferMNIST) = (ganEpochs, ratio, preferMNIST)
    }

    /// The conditions, in table order.
    public enum Condition: String, CaseIterable, Sendable {
        /// The labelled images only.
        case none = "real only"
        /// With augmentation.
        case augmentation = "augmentation"
        /// With the GAN samples.
        case gan = "GAN samples"
        /// With both.
        case both = "GAN + augmentation"
    }

    /// One seed's measurements.
    public struct SeedResult: Sendable {
        /// Test accuracy per epoch, by condition.
        public var accuracies: [Condition: [Double]]
        /// Share of the GAN samples that the real-only classifier labels as intended.
        public var agreement: Double
        /// GAN steps taken.
        public var ganSteps: Int
    }

    /// Trains the conditional GAN on `train` and returns `count` balanced samples with their labels.
    func ganSamples(_ train: any Dataset, classes: Int, count: Int, seed: UInt64) throws -> (TensorDataset, Int) {
        let manifest = GANManifest(
            latent: 32, classes: classes, generatorFeatures: 16, discriminatorFeatures: 16,
            discriminatorBatchNorm: true, channels: 1, side: 28, dataset: "lab", classNames: nil)
        let weights = RandomGenerator(seed: seed &+ 1616)
        let g = manifest.makeGenerator(generator: weights), d = manifest.makeDiscriminator(generator: weights)
        let step = GANStep(
            generator: g, discriminator: d, generatorOptimizer: Adam(g.parameters(), lr: 2e-4, betas: (0.5, 0.999)),
            discriminatorOptimizer: Adam(d.parameters(), lr: 2e-4, betas: (0.5, 0.999)),
            noise: RandomGenerator(seed: seed &+ 1717))
        let trainer = Trainer(step: step)
        trainer.generators = [step.noise]
        trainer.callbacks = [NonFiniteLossGuard()]
        try trainer.fit(
            DataLoader(train, batchSize: 32, shuffle: true, dropLast: true, seed: seed &+ 1818), epochs: ganEpochs)
        let (images, labels) = GANSampler(generator: g).sample(count, random: RandomGenerator(seed: seed &+ 1919))
        return (TensorDataset(inputs: images, labels: labels), trainer.step)
    }

    /// The MLP of ``AugmentationLab`` trained on `train`: test accuracy per epoch, and the model.
    func classify(_ train: any Dataset, test: any Dataset, augment: Bool, seed: UInt64) throws -> ([Double], Module) {
        let model = Sequential([Flatten(), Models.mlp([784, 256, 10], generator: RandomGenerator(seed: seed &+ 1414))])
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
        let transform: (any Transform)? = augment ? RandomAffine(degrees: 10, translate: (0.1, 0.1)) : nil
        let history = try trainer.fit(
            DataLoader(train, batchSize: 64, shuffle: true, seed: seed &+ 1515, transform: transform),
            validation: DataLoader(test, batchSize: 500), epochs: epochs)
        return (history.epochs.map { $0.validationAccuracy ?? .nan }, model)
    }

    /// Every condition for one seed on `data`.
    public func run(seed: UInt64, data: (name: String, train: any Dataset, test: any Dataset)) throws -> SeedResult {
        let trainIndices = Array(RandomGenerator(seed: seed &+ 1212).permutation(data.train.count).prefix(trainSamples))
        let testIndices = Array(RandomGenerator(seed: 1313).permutation(data.test.count).prefix(testSamples))
        let train = Subset(AnyDataset(data.train), indices: trainIndices)
        let test = Subset(AnyDataset(data.test), indices: testIndices)
        let (generated, steps) = try ganSamples(
            train, classes: 10, count: Int((ratio * Double(trainSamples)).rounded()), seed: seed)
        let mixed = ConcatDataset([train, generated])
        var accuracies: [Condition: [Double]] = [:]
        var baseline: Module?
        for condition in Condition.allCases {
            let withGAN = condition == .gan || condition == .both
            let (curve, model) = try classify(
                withGAN ? mixed : AnyDataset(train), test: test,
                augment: condition == .augmentation || condition == .both, seed: seed)
            accuracies[condition] = curve
            if condition == .none { baseline = model }
        }
        var right = 0
        withNoGrad {
            let predicted = baseline!.eval()(generated.inputs).argmax(axis: 1)
            right = zip(predicted, generated.labels!).filter { $0 == $1 }.count
        }
        return SeedResult(
            accuracies: accuracies, agreement: Double(right) / Double(max(generated.count, 1)), ganSteps: steps)
    }

    /// Runs every seed (quick: 2 seeds, 5 classifier and 3 GAN epochs) and draws the mean test accuracy per
    /// epoch of each condition.
    public func run(_ options: LabOptions) throws -> LabResult {
        var lab = self
        if options.quick { (lab.seeds, lab.epochs, lab.ganEpochs) = (min(seeds, 2), min(epochs, 5), min(ganEpochs, 3)) }
        let data = AugmentationLab(preferMNIST: preferMNIST).datasets()
        let results = try (0..<lab.seeds).map { try lab.run(seed: options.seed &+ UInt64($0), data: data) }
        let epochsRun = results.first?.accuracies[.none]?.count ?? 0
        let xs = (1...max(1, epochsRun)).map(Double.init)
        var plot = LinePlot(
            title: "\(data.name), \(lab.trainSamples) labelled images: mean test accuracy over \(lab.seeds) seeds",
            xLabel: "epoch", yLabel: "test accuracy", width: 760, height: 420)
        var text = "descent lab gan: \(lab.trainSamples) labelled \(data.name) training images per seed (tested on "
        text += "\(lab.testSamples)); a conditional DCGAN (latent 32, widths 16, one-hot labels, Adam 2e-4 β₁ 0.5, "
        text += "batch 32, \(lab.ganEpochs) epochs = \(results.first?.ganSteps ?? 0) steps) trained on them; "
        text += "\(Int((lab.ratio * Double(lab.trainSamples)).rounded())) of its samples (balanced classes) mixed in; "
        text += "MLP 784-256-10, Adam 1e-3, batch 64, \(epochsRun) epochs; augmentation = RandomAffine (±10°, ±10 %); "
        text += "\(lab.seeds) seeds.\n\n"
        text += "condition            final test accuracy (mean ± std)   per seed\n"
        var means: [Condition: (Double, Double)] = [:]
        for (i, condition) in Condition.allCases.enumerated() {
            let runs = results.map { $0.accuracies[condition] ?? [] }
            let curve = (0..<epochsRun).map { e in LabMath.mean(runs.map { $0[e] }) }
            plot.series.append(LinePlot.Series(name: condition.rawValue, x: xs, y: curve, style: .lineAndMarkers))
            _ = i
            let last = AugmentationLab.meanAndSpread(runs.map { $0.last ?? .nan })
            means[condition] = last
            text += condition.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0)
            text += String(format: "%6.2f ± %.2f %%", last.mean * 100, last.std * 100).padding(
                toLength: 35, withPad: " ", startingAt: 0)
            text += runs.map { String(format: "%.2f", ($0.last ?? .nan) * 100) }.joined(separator: ", ") + "\n"
        }
        let agreement = AugmentationLab.meanAndSpread(results.map(\.agreement))
        text += String(
            format: "\nThe real-only classifier labels %.1f ± %.1f %% of the GAN samples as the class asked for.\n",
            agreement.mean * 100, agreement.std * 100)
        let none = means[.none]!, gan = means[.gan]!, aug = means[.augmentation]!, both = means[.both]!
        for (name, m) in [("GAN samples", gan), ("augmentation", aug), ("GAN + augmentation", both)] {
            let diff = m.0 - none.0
            text += "With \(name): \(String(format: "%+.2f", diff * 100)) points of final accuracy against real only "
            text += "(\(Swift.abs(diff) > none.1 + m.1 ? "more" : "less") than the two spreads together).\n"
        }
        return LabResult(experiment: .gan, plots: [("accuracy", plot)], summary: text)
    }
}
