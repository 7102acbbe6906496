import Descent
import DescentData
import Foundation

/// `descent lab augmentation`: test accuracy with and without data augmentation (``RandomAffine``: rotation ±10°,
/// translation ±10 %) in a small-data regime, over several seeds (mean and spread). The images are 1,000 MNIST
/// training images when MNIST is found (`$DESCENT_DATA`, without downloading), else 1,000 of Descent's generated
/// shapes (the summary says which); the model is an MLP 784-256-10 trained with ``Trainer`` and Adam.
public struct AugmentationLab: Sendable {
    /// Training images.
    public var trainSamples: Int
    /// Test images.
    public var testSamples: Int
    /// Seeds (each a different training subset, initialisation and order).
    public var seeds: Int
    /// Epochs per run.
    public var epochs: Int
    /// Use MNIST when it is found (false: always the generated shapes).
    public var preferMNIST: Bool

    /// 1,000 training and 2,000 test images, 3 seeds, 40 epochs, MNIST when found.
    public init(
        trainSamples: Int = 1000, testSamples: Int = 2000, seeds: Int = 3, epochs: Int = 40, preferMNIST: Bool = true
    ) {
        (self.trainSamples, self.testSamples, self.seeds, self.epochs, self.preferMNIST) = (
            trainSamples, testSamples, seeds, epochs, preferMNIST
        )
    }

    /// The images: (name, training pool, test set).
    func datasets() -> (name: String, train: any Dataset, test: any Dataset) {
        if preferMNIST, let dir = ProcessInfo.processInfo.environment["DESCENT_DATA"], !dir.isEmpty,
            let train = try? MNIST(split: .train, directory: URL(fileURLWithPath: dir), download: false),
            let test = try? MNIST(split: .test, directory: URL(fileURLWithPath: dir), download: false)
        {
            return ("MNIST", train, test)
        }
        return (
            "generated shapes", DatasetCatalog.shapes(.train, count: 20_000), DatasetCatalog.shapes(.test, count: 4000)
        )
    }

    /// One run's test accuracy after each epoch.
    func run(seed: UInt64, augment: Bool, data: (name: String, train: any Dataset, test: any Dataset), epochs: Int)
        throws
        -> [Double]
    {
        let rng = RandomGenerator(seed: seed &+ 1212)
        let trainIndices = Array(rng.permutation(data.train.count).prefix(trainSamples))
        let testIndices = Array(RandomGenerator(seed: 1313).permutation(data.test.count).prefix(testSamples))
        let train = Subset(AnyDataset(data.train), indices: trainIndices)
        let test = Subset(AnyDataset(data.test), indices: testIndices)
        let model = Sequential([Flatten(), Models.mlp([784, 256, 10], generator: RandomGenerator(seed: seed &+ 1414))])
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 1e-3))
        let transform: (any Transform)? = augment ? RandomAffine(degrees: 10, translate: (0.1, 0.1)) : nil
        let history = try trainer.fit(
            DataLoader(train, batchSize: 64, shuffle: true, seed: seed &+ 1515, transform: transform),
            validation: DataLoader(test, batchSize: 500), epochs: epochs)
        return history.epochs.map { $0.validationAccuracy ?? .nan }
    }

    /// Mean and (population) standard deviation.
    static func meanAndSpread(_ v: [Double]) -> (mean: Double, std: Double) {
        let m = LabMath.mean(v)
        return (m, LabMath.mean(v.map { ($0 - m) * ($0 - m) }).squareRoot())
    }

    /// Every seed with and without augmentation: per-epoch accuracies, [augment][seed][epoch].
    public func accuracies(epochs: Int? = nil) throws -> (data: String, plain: [[Double]], augmented: [[Double]]) {
        let data = datasets(), e = epochs ?? self.epochs
        let plain = try (0..<seeds).map { try run(seed: UInt64($0), augment: false, data: data, epochs: e) }
        let augmented = try (0..<seeds).map { try run(seed: UInt64($0), augment: true, data: data, epochs: e) }
        return (data.name, plain, augmented)
    }

    /// Runs everything (quick: 5 epochs, 2 seeds) and draws mean test accuracy per epoch with ±1 std bands.
    public func run(_ options: LabOptions) throws -> LabResult {
        var lab = self
        if options.quick { (lab.epochs, lab.seeds) = (min(epochs, 5), min(seeds, 2)) }
        let r = try lab.accuracies()
        let epochsRun = r.plain.first?.count ?? 0
        let xs = (1...max(1, epochsRun)).map(Double.init)
        var plot = LinePlot(
            title:
                "\(r.data), \(lab.trainSamples) training images: test accuracy (mean ± 1 std over \(lab.seeds) seeds)",
            xLabel: "epoch", yLabel: "test accuracy", width: 760, height: 420)
        var text =
            "descent lab augmentation: MLP 784-256-10, Adam lr 1e-3, batch 64, \(epochsRun) epochs on \(lab.trainSamples) \(r.data) "
        text +=
            "training images (a different subset per seed), tested on \(lab.testSamples); augmentation = RandomAffine "
        text += "(rotation ±10°, translation ±10 %); \(lab.seeds) seeds.\n\n"
        var finals: [(String, Double, Double)] = []
        for (i, (name, runs)) in [("no augmentation", r.plain), ("augmentation", r.augmented)].enumerated() {
            let stats = (0..<epochsRun).map { e in Self.meanAndSpread(runs.map { $0[e] }) }
            plot.series.append(LinePlot.Series(name: name, x: xs, y: stats.map(\.mean), style: .lineAndMarkers))
            plot.bands.append(
                LinePlot.Band(
                    x: xs, lower: stats.map { $0.mean - $0.std }, upper: stats.map { $0.mean + $0.std },
                    color: PlotPalette.color(i)))
            let last = Self.meanAndSpread(runs.map { $0.last ?? .nan })
            let best = Self.meanAndSpread(runs.map { $0.max() ?? .nan })
            finals.append((name, last.mean, last.std))
            text +=
                "\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) final \(String(format: "%.2f ± %.2f", last.mean * 100, last.std * 100)) %, "
            text += "best epoch \(String(format: "%.2f ± %.2f", best.mean * 100, best.std * 100)) %; per seed "
            text += runs.map { String(format: "%.2f", ($0.last ?? .nan) * 100) }.joined(separator: ", ") + "\n"
        }
        let diff = finals[1].1 - finals[0].1
        text += "\nAugmentation changes the final accuracy by \(String(format: "%+.2f", diff * 100)) points "
        text += "(\(abs(diff) > finals[0].2 + finals[1].2 ? "more" : "less") than the two spreads together).\n"
        return LabResult(experiment: .augmentation, plots: [("accuracy", plot)], summary: text)
    }
}
