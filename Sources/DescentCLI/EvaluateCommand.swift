import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent evaluate`: loss and accuracy of a trained model on a dataset split — a run folder of
/// `descent train` (its own data pipeline and preprocessing), or a zoo model or config with a safetensors
/// weights file (written by Descent, or by PyTorch with the same layer names).
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            "Evaluate a trained model on a dataset split: accuracy as a percentage and correct/total, loss, per-class recall.",
        discussion: """
            Either --run DIR (a folder written by descent train: its config, preprocessing and splits are used), \
            or --config FILE / --model NAME with --weights FILE, e.g. \
            descent evaluate --model cnn --weights model.safetensors --dataset mnist --split test
            """
    )

    @Option(name: .customLong("run"), help: "A run folder written by descent train (config.yaml, model.safetensors).")
    var runFolder: String?

    @Option(help: "A config file describing the model and data (with --weights).")
    var config: String?

    @Option(
        help:
            "Zoo model the weights belong to (with its default options): \(ModelConfig.Zoo.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var model: String?

    @Option(
        help:
            "Safetensors file with the model's state dict (PyTorch names); default with --run: the run's model.safetensors."
    )
    var weights: String?

    @Option(help: "Split: test or train; with --run or --config also validation.")
    var split: String = "test"

    @Option(
        help: "With --model: dataset \(DatasetName.builtIn.map(\.rawValue).joined(separator: ", ")) (from --data-dir).")
    var dataset: String = "mnist"

    @Option(
        help:
            "With --model and --dataset shapes: the seed of the run whose generated images to use (default 0, as descent train)."
    )
    var seed: UInt64 = 0

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA).")
    var dataDir: String?

    @Option(
        help:
            "With --model: per-channel normalisation after scaling pixels to [0, 1], as mean,std pairs (e.g. 0.1307,0.3081); default none."
    )
    var normalize: String?

    @Option(help: "With --model: number of classes of the model's output.")
    var classes: Int = 10

    func validate() throws {
        let sources = [runFolder, config, model].compactMap { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --run, --config or --model") }
        if model != nil || config != nil, weights == nil {
            throw ValidationError("--model and --config need --weights FILE")
        }
        if let model { _ = try SummaryCommand.zoo(model) }
        if model != nil, DatasetName(lookup: dataset) == nil || DatasetName(lookup: dataset) == .csv {
            throw ValidationError(
                "--dataset: unknown dataset '\(dataset)' (available: \(DatasetName.builtIn.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let splits = model != nil ? ["train", "test"] : ["train", "validation", "test"]
        guard splits.contains(split) else {
            throw ValidationError("--split must be \(splits.joined(separator: ", ")), got '\(split)'")
        }
        if let normalize { _ = try NormalizationOption.parse(normalize) }
    }

    func run() throws {
        if let model {
            try evaluateZoo(model)
        } else {
            try evaluateConfigured()
        }
    }

    /// A run folder or config: its own data pipeline (splits, preprocessing) and model.
    func evaluateConfigured() throws {
        var overrides: [String] = []
        if let dataDir { overrides.append("data.directory=\(dataDir)") }
        let configURL =
            runFolder.map { URL(fileURLWithPath: $0).appendingPathComponent("config.yaml") }
            ?? URL(fileURLWithPath: config!)
        if let runFolder {
            try RunFolder(runFolder).requireFinished(option: "--run", manifest: false, weights: weights == nil)
        }
        let trainingConfig = try TrainingConfig.load(contentsOf: configURL, overrides: overrides)
        let setup = try trainingConfig.makeSetup()
        let weightsURL =
            weights.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: runFolder!).appendingPathComponent("model.safetensors")
        try setup.model.loadWeights(from: weightsURL)
        let loader: DataLoader?
        switch split {
        case "train": loader = DataLoader(setup.train.dataset, batchSize: 256, transform: setup.normalize)
        case "validation": loader = setup.validation
        default: loader = setup.test
        }
        guard let loader else {
            throw DescentError(.argument, "--split \(split)", "the config's data has no \(split) part")
        }
        print(
            "descent evaluate: \(weightsURL.path) on \(trainingConfig.data.dataset.rawValue) \(split) (\(loader.dataset.count) samples); preprocessing: \(setup.preprocessing)"
        )
        try report(try evaluate(model: setup.model, data: loader, objective: setup.objective, metrics: setup.metrics))
        if split == "test", let unigram = setup.unigramPerplexity {
            print(String(format: "unigram baseline perplexity %.4f (training token frequencies, add-one)", unigram))
        }
    }

    /// A zoo model with a weights file on a catalog dataset.
    func evaluateZoo(_ model: String) throws {
        let zoo = try SummaryCommand.zoo(model)
        let input = zoo.defaultInput
        let net = try SummaryCommand.build(zoo, inputShape: input, classes: classes)
        try net.loadWeights(from: URL(fileURLWithPath: weights!))
        let data = try DatasetCatalog.load(
            dataset, split: split == "test" ? .test : .train,
            directory: dataDir.map { URL(fileURLWithPath: $0) }, seed: seed)
        var transforms: [any Transform] = []
        var preprocessing = "pixels scaled to [0, 1]"
        if let normalize, let n = try NormalizationOption.parse(normalize) {
            transforms.append(n)
            preprocessing += ", then (x − \(n.mean)) / \(n.std) per channel"
        }
        transforms.append(ReshapeInput(shape: input, location: "--model \(model)"))
        print(
            "descent evaluate: \(model) with \(weights!) on \(dataset) \(split) (\(data.count) samples); preprocessing: \(preprocessing)"
        )
        try report(try evaluate(model: net, data: DataLoader(data, batchSize: 256, transform: Compose(transforms))))
    }

    func report(_ result: Evaluation) throws {
        if let metrics = result.classification {
            let correct = (0..<metrics.classes).reduce(0) { $0 + metrics.confusion[$1][$1] }
            print(
                String(
                    format: "accuracy %.2f%% (%d/%d)  loss %.4f", 100 * metrics.accuracy, correct, metrics.count,
                    result.loss))
            print("recall per class: " + metrics.recall.map { String(format: "%.3f", $0) }.joined(separator: " "))
        } else if let r = result.regression {
            print(String(format: "MAE %.4f  RMSE %.4f  R² %.4f  loss %.4f", r.mae, r.rmse, r.r2, result.loss))
        } else if let line = result.exactMatchSummary {
            print(line)
        } else if let s = result.sequence {
            print(
                String(
                    format: "perplexity %.4f  token accuracy %.2f%% (%d tokens)  loss %.4f", s.perplexity,
                    100 * s.accuracy, s.tokens, result.loss))
        } else {
            throw DescentError(.argument, "--split \(split)", "has no labels or targets to evaluate against")
        }
    }
}

/// `--normalize`: `none`, or per-channel `mean,std` pairs.
enum NormalizationOption {
    /// The transform, or `nil` for `none`.
    static func parse(_ text: String) throws -> Normalize? {
        if text == "none" { return nil }
        let v = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.count % 2 == 0, v.allSatisfy({ $0 != nil }),
            stride(from: 1, to: v.count, by: 2).allSatisfy({ v[$0]! > 0 })
        else {
            throw ValidationError("--normalize needs 'none' or mean,std pairs with positive std, got '\(text)'")
        }
        return Normalize(
            mean: stride(from: 0, to: v.count, by: 2).map { v[$0]! },
            std: stride(from: 1, to: v.count, by: 2).map { v[$0]! })
    }
}

/// Reshapes each sample's input to the shape a model expects (same number of values), or names the mismatch.
struct ReshapeInput: Transform {
    let shape: [Int]
    let location: String

    func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        guard sample.input.count == Shape.count(shape) else {
            throw DescentError(
                .shape, location, "expects inputs of shape \(shape), the data gives \(sample.input.shape)")
        }
        var s = sample
        s.input = sample.input.reshaped(shape)
        return s
    }
}
