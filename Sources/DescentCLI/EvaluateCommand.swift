import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent evaluate`: the loss and accuracy of a zoo model with a safetensors weights file (written by
/// Descent or by PyTorch with the same layer names) on a dataset split.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a zoo model with a safetensors weights file on a dataset split (accuracy, loss, per-class recall)."
    )

    @Option(help: "Zoo model the weights belong to: \(SummaryCommand.models.keys.sorted().joined(separator: ", ")).")
    var model: String

    @Option(help: "Safetensors file with the model's state dict (PyTorch names, e.g. from safetensors.torch.save_file).")
    var weights: String

    @Option(help: "Dataset: shapes or mnist, fashion-mnist, cifar10, sklearn-digits (from --data-dir).")
    var dataset: String = "mnist"

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA).")
    var dataDir: String?

    @Option(help: "Split: train or test.")
    var split: String = "test"

    @Option(help: "Per-channel normalisation after scaling pixels to [0, 1], as mean,std pairs (e.g. 0.1307,0.3081); default none.")
    var normalize: String?

    @Option(help: "Number of classes of the model's output.")
    var classes: Int = 10

    func validate() throws {
        guard SummaryCommand.models[model] != nil else {
            throw ValidationError("--model: unknown model '\(model)' (available: \(SummaryCommand.models.keys.sorted().joined(separator: ", ")))")
        }
        guard ["train", "test"].contains(split) else { throw ValidationError("--split must be train or test, got '\(split)'") }
        if let normalize {
            let v = normalize.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.count % 2 == 0, v.allSatisfy({ $0 != nil }), stride(from: 1, to: v.count, by: 2).allSatisfy({ v[$0]! > 0 }) else {
                throw ValidationError("--normalize needs mean,std pairs with positive std, got '\(normalize)'")
            }
        }
    }

    func run() throws {
        let entry = SummaryCommand.models[model]!
        let net = entry.module(classes)
        try net.loadWeights(from: URL(fileURLWithPath: weights))
        let data: any Dataset
        if dataset == "shapes" {
            data = GeneratedShapes(count: 2_000, seed: split == "test" ? 1_000_003 : 0)
        } else {
            data = try DatasetCatalog.load(dataset, split: split == "test" ? .test : .train,
                                           directory: dataDir.map { URL(fileURLWithPath: $0) })
        }
        var transforms: [any Transform] = []
        var preprocessing = "pixels scaled to [0, 1]"
        if let normalize {
            let v = normalize.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces))! }
            let mean = stride(from: 0, to: v.count, by: 2).map { v[$0] }, std = stride(from: 1, to: v.count, by: 2).map { v[$0] }
            transforms.append(Normalize(mean: mean, std: std))
            preprocessing += ", then (x − \(mean)) / \(std) per channel"
        }
        let expected = entry.input
        transforms.append(CustomTransform { sample, _ in
            guard sample.input.count == Shape.count(expected) else {
                throw DescentError(.shape, "--model \(model)", "expects inputs of shape \(expected), the dataset gives \(sample.input.shape)")
            }
            var s = sample
            s.input = sample.input.reshaped(expected)
            return s
        })
        print("descent evaluate: \(model) with \(weights) on \(dataset) \(split) (\(data.count) samples); preprocessing: \(preprocessing)")
        let trainer = Trainer(model: net, optimizer: SGD(net.parameters(), lr: 0))
        let result = try trainer.evaluate(DataLoader(data, batchSize: 256, transform: Compose(transforms)))
        guard let metrics = result.classification else {
            throw DescentError(.argument, "--dataset \(dataset)", "has no class labels to evaluate accuracy on")
        }
        let correct = (0..<metrics.classes).reduce(0) { $0 + metrics.confusion[$1][$1] }
        print(String(format: "accuracy %.2f%% (%d/%d)  loss %.4f", 100 * metrics.accuracy, correct, metrics.count, result.loss))
        print("recall per class: " + metrics.recall.map { String(format: "%.3f", $0) }.joined(separator: " "))
    }
}
