import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent train`: trains a model and reports its test accuracy. Without options it is the main job: a CNN
/// on the built-in generated shapes dataset, offline.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (default: a CNN with batch norm and dropout on the built-in generated shapes, offline)."
    )

    @Option(help: "Dataset: shapes (generated, offline, the default) or mnist, fashion-mnist, cifar10, sklearn-digits, free-spoken-digits (from --data-dir).")
    var dataset: String = "shapes"

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA).")
    var dataDir: String?

    @Option(help: "Model: cnn-bn (W3's CNN), cnn (W2's CNN), mlp, lenet5, vgg, resnet (W7's small ResNet).")
    var model: String = "cnn-bn"

    @Option(help: "Epochs.")
    var epochs: Int = 6

    @Option(help: "Batch size: a number (1 = stochastic, B = mini-batch) or 'full' (batch gradient descent).")
    var batchSize: String = "64"

    @Option(help: "Optimizer: adam, adamw, sgd, rmsprop, adagrad.")
    var optimizer: String = "adam"

    @Option(help: "Learning rate.")
    var lr: Double = 1e-3

    @Option(help: "Momentum (sgd, rmsprop).")
    var momentum: Double = 0.9

    @Option(help: "Weight decay (L2 for all but adamw, decoupled for adamw).")
    var weightDecay: Double = 0

    @Option(help: "Learning-rate schedule per epoch: none, cosine, step (×0.1 every third of the epochs).")
    var schedule: String = "cosine"

    @Option(help: "Early-stopping patience in epochs on the validation loss (best weights are restored); 0 disables.")
    var patience: Int = 3

    @Option(help: "Training samples drawn for the generated shapes dataset.")
    var trainSamples: Int = 12_000

    @Option(help: "Fraction of the training split held out for validation.")
    var validationFraction: Double = 0.1

    @Option(help: "Random seed (data order, augmentation, initial weights).")
    var seed: UInt64 = 0

    @Option(help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(help: "Background data-loading threads.")
    var workers: Int = 1

    @Option(help: "Audio datasets: mel bands of the log-mel spectrogram features.")
    var mels: Int = 40

    @Option(help: "Audio datasets: frames per clip (shorter clips are padded, longer ones cropped); hop 128 samples.")
    var frames: Int = 48

    @Flag(help: "Augment training samples: SpecAugment time and frequency masking for audio, a small random affine warp for images.")
    var augment = false

    @Option(help: "Output folder for model.safetensors, history.json and metrics.json.")
    var output: String = "runs/latest"

    static let models = ["cnn-bn", "cnn", "mlp", "lenet5", "vgg", "resnet"]
    static let optimizers = ["adam", "adamw", "sgd", "rmsprop", "adagrad"]
    static let schedules = ["none", "cosine", "step"]

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize == "full" || (Int(batchSize) ?? 0) >= 1 else {
            throw ValidationError("--batch-size must be a positive number or 'full', got '\(batchSize)'")
        }
        guard Self.models.contains(model) else { throw ValidationError("--model: unknown model '\(model)' (available: \(Self.models.joined(separator: ", ")))") }
        guard Self.optimizers.contains(optimizer) else { throw ValidationError("--optimizer: unknown optimizer '\(optimizer)' (available: \(Self.optimizers.joined(separator: ", ")))") }
        guard Self.schedules.contains(schedule) else { throw ValidationError("--schedule: unknown schedule '\(schedule)' (available: \(Self.schedules.joined(separator: ", ")))") }
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        guard validationFraction >= 0 && validationFraction < 1 else { throw ValidationError("--validation-fraction must be in [0, 1), got \(validationFraction)") }
        guard trainSamples >= 10 else { throw ValidationError("--train-samples must be at least 10, got \(trainSamples)") }
        guard patience >= 0 else { throw ValidationError("--patience must be non-negative, got \(patience)") }
        guard mels >= 4 && mels % 4 == 0 else { throw ValidationError("--mels must be a positive multiple of 4, got \(mels)") }
        guard frames >= 4 && frames % 4 == 0 else { throw ValidationError("--frames must be a positive multiple of 4, got \(frames)") }
        guard workers >= 0 else { throw ValidationError("--workers must be non-negative, got \(workers)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        let datasets = ["shapes"] + DatasetCatalog.names.map(\.name)
        guard datasets.contains(dataset) else { throw ValidationError("--dataset: unknown dataset '\(dataset)' (available: \(datasets.joined(separator: ", ")))") }
    }

    func run() throws {
        if let threads { Backend.threads = threads }
        RandomGenerator.manualSeed(seed)
        let directory = dataDir.map { URL(fileURLWithPath: $0) }
        let fullTrain: any Dataset, test: any Dataset
        if dataset == "shapes" {
            fullTrain = GeneratedShapes(count: trainSamples, seed: seed)
            test = GeneratedShapes(count: 2_000, seed: seed &+ 1_000_003)
        } else {
            fullTrain = try DatasetCatalog.load(dataset, split: .train, directory: directory)
            test = try DatasetCatalog.load(dataset, split: .test, directory: directory)
        }
        var trainSource = AnyDataset(fullTrain), testSource = AnyDataset(test)
        let isAudio = fullTrain.sample(at: 0).input.rank == 2
        if isAudio {
            // Audio waveforms [1, samples]: log-mel features, computed once, standardised with the training statistics.
            print("descent train: computing \(mels)-band log-mel spectrograms of \(fullTrain.count + test.count) clips")
            let features = LogMelSpectrogram(sampleRate: 8_000, nFFT: 256, hopLength: 128, nMels: mels, frames: frames)
            trainSource = AnyDataset(try Self.precompute(fullTrain, features))
            testSource = AnyDataset(try Self.precompute(test, features))
        }
        let parts = try trainSource.randomSplit([1 - validationFraction, validationFraction], seed: seed, stratified: true)
        let inputShape = trainSource.sample(at: 0).input.shape
        let normalize = isAudio ? Normalize(try ChannelStatistics(of: parts[0])) : nil
        let classes = Set(trainSource.labels().compactMap { $0 }).count
        let net = try makeModel(inputShape: inputShape, classes: classes)
        _ = try net.outputShape(for: [1] + inputShape)
        let opt = makeOptimizer(net)

        let size: BatchSize = batchSize == "full" ? .full : .size(Int(batchSize)!)
        // Standardise first, so that SpecAugment's masks (value 0) hold the mean level, not a loud band.
        var trainTransforms: [any Transform] = normalize.map { [$0] } ?? []
        if augment {
            if isAudio {
                trainTransforms += [TimeMasking(timeMaskParam: frames / 6), FrequencyMasking(freqMaskParam: mels / 6)]
            } else {
                trainTransforms.append(RandomAffine(degrees: 10, translate: (0.1, 0.1), scale: 0.9...1.1))
            }
        }
        let trainLoader = DataLoader(parts[0], batchSize: size, shuffle: true, seed: seed,
                                     transform: trainTransforms.isEmpty ? nil : Compose(trainTransforms), workers: workers)
        let validationLoader = DataLoader(parts[1], batchSize: 256, transform: normalize)
        let testLoader = DataLoader(testSource, batchSize: 256, transform: normalize)

        let trainer = Trainer(model: net, optimizer: opt)
        switch schedule {
        case "cosine": trainer.schedule = CosineAnnealingLR(baseLR: lr, tMax: epochs)
        case "step": trainer.schedule = StepLR(baseLR: lr, stepSize: max(1, epochs / 3), gamma: 0.1)
        default: break
        }
        trainer.callbacks = [ProgressPrinter()]
        if patience > 0 && parts[1].count > 0 { trainer.callbacks.append(EarlyStopping(patience: patience)) }
        print("descent train: \(dataset) (\(parts[0].count) train, \(parts[1].count) validation, \(test.count) test), model \(model) with \(net.parameterCount) parameters, \(optimizer) lr \(lr), batch \(size), \(Backend.threads) threads")
        let start = Date()
        let history = try trainer.fit(trainLoader, validation: parts[1].count > 0 ? validationLoader : nil, epochs: epochs)
        let evaluation = try trainer.evaluate(testLoader)
        let seconds = Date().timeIntervalSince(start)

        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try net.saveWeights(to: out.appendingPathComponent("model.safetensors"), metadata: ["model": model, "dataset": dataset])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(history).write(to: out.appendingPathComponent("history.json"), options: .atomic)
        let metrics = TestMetrics(evaluation: evaluation, seconds: seconds)
        try encoder.encode(metrics).write(to: out.appendingPathComponent("metrics.json"), options: .atomic)
        if let restored = history.restoredEpoch { print("restored the weights of epoch \(restored) (best validation loss)") }
        print(String(format: "test loss %.4f  test accuracy %.4f  (%d samples, %.1f s in all; outputs in %@)",
                     evaluation.loss, evaluation.accuracy ?? .nan, test.count, seconds, out.path))
    }

    /// The dataset with `transform` applied once to every sample (for deterministic feature extraction).
    static func precompute(_ data: any Dataset, _ transform: some Transform) throws -> TensorDataset {
        let gen = RandomGenerator(seed: 0)
        var inputs: [Tensor] = []
        var labels: [Int] = []
        for i in 0..<data.count {
            let s = try transform(data.sample(at: i), generator: gen)
            guard let label = s.target.classIndex else {
                throw DescentError(.argument, "--dataset", "sample \(i) has no class label")
            }
            inputs.append(s.input)
            labels.append(label)
        }
        return TensorDataset(inputs: Tensor.stack(inputs), labels: labels)
    }

    func makeModel(inputShape: [Int], classes: Int) throws -> Module {
        let channels = inputShape.count == 3 ? inputShape[0] : 1
        let side = inputShape.last ?? 0
        let height = inputShape.count == 3 ? inputShape[1] : 0
        switch model {
        case "mlp": return Sequential(Flatten(), Models.mlp([Shape.count(inputShape), 256, 128, classes], dropout: 0.2))
        case "lenet5":
            guard side == 28 else { throw ValidationError("--model lenet5 expects 28×28 inputs, the dataset has \(inputShape)") }
            return Models.leNet5(inChannels: channels, classes: classes)
        case "vgg": return Models.smallVGG(inChannels: channels, classes: classes)
        case "resnet": return ResNet(inChannels: channels, classes: classes, widths: [16, 32, 64], blocksPerStage: [2, 2, 2])
        default:
            guard inputShape.count == 3, side % 4 == 0, height % 4 == 0 else {
                throw ValidationError("--model \(model) expects [C, H, W] inputs with sides divisible by 4, the dataset has \(inputShape)")
            }
            return Models.benchCNN(batchNorm: model == "cnn-bn", dropout: model == "cnn-bn", inChannels: channels,
                                   height: height, width: side, classes: classes)
        }
    }

    func makeOptimizer(_ net: Module) -> any Optimizer {
        let params = net.parameters()
        switch optimizer {
        case "sgd": return SGD(params, lr: lr, momentum: momentum, weightDecay: weightDecay)
        case "adamw": return AdamW(params, lr: lr, weightDecay: weightDecay)
        case "rmsprop": return RMSprop(params, lr: lr, weightDecay: weightDecay, momentum: momentum)
        case "adagrad": return Adagrad(params, lr: lr, weightDecay: weightDecay)
        default: return Adam(params, lr: lr, weightDecay: weightDecay)
        }
    }
}

/// The test-set figures written to `metrics.json`.
struct TestMetrics: Encodable {
    var loss: Double
    var accuracy: Double?
    var confusionMatrix: [[Int]]?
    var precision: [Double]?
    var recall: [Double]?
    var f1: [Double]?
    var seconds: Double

    init(evaluation: Evaluation, seconds: Double) {
        loss = evaluation.loss
        accuracy = evaluation.accuracy
        confusionMatrix = evaluation.classification?.confusion
        precision = evaluation.classification?.precision
        recall = evaluation.classification?.recall
        f1 = evaluation.classification?.f1
        self.seconds = seconds
    }
}
