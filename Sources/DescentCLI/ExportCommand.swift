import ArgumentParser
import Descent
import DescentData
import DescentONNX
import DescentTrain
import Foundation

/// `descent export`: a trained model as an ONNX file, with the run's input normalisation folded in as the first
/// nodes and its class names in the metadata.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained model as ONNX (opset 17, dynamic batch, normalisation folded in, class names).",
        discussion: """
            SOURCE is a run folder of descent train (its config, run.json and model.safetensors), or a safetensors \
            weights file with --model NAME or --config FILE. The exported model takes raw inputs (pixels scaled to \
            [0, 1], as descent predict reads them) of shape [batch] + the sample shape and outputs the model's raw \
            outputs (logits). A seq2seq run (spell-numbers) exports the encoder and greedy decoding in one graph \
            (an ONNX Loop): source token ids [batch, sequence] in, token ids [batch, steps] out, the vocabulary in \
            the metadata. Example: descent export runs/mnist-cnn --format onnx --output mnist.onnx
            """
    )

    @Argument(help: "A run folder written by descent train, or a safetensors weights file (with --model or --config).")
    var source: String

    @Option(help: "The format written: onnx.")
    var format: String = "onnx"

    @Option(help: "The file to write (e.g. model.onnx).")
    var output: String

    @Option(
        help:
            "With a weights file: zoo model \(ModelConfig.Zoo.allCases.map(\.rawValue).joined(separator: ", ")) (its default options)."
    )
    var model: String?

    @Option(help: "With a weights file: a config file describing the model.")
    var config: String?

    @Option(help: "With a weights file: shape of one input sample, e.g. 1,28,28 (default: the zoo model's).")
    var inputShape: String?

    @Option(help: "With a weights file: number of classes (outputs) of the model.")
    var classes: Int = 10

    @Option(help: "With a weights file: normalisation folded in, 'none' or per-channel mean,std pairs.")
    var normalize: String = "none"

    @Option(help: "With a weights file: class names for the metadata, comma-separated.")
    var classNames: String?

    func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format: only onnx is written, got '\(format)'") }
        if let model { _ = try SummaryCommand.zoo(model) }
        guard model == nil || config == nil else { throw ValidationError("give --model or --config, not both") }
        _ = try NormalizationOption.parse(normalize)
        _ = try parsedInputShape()
    }

    func parsedInputShape() throws -> [Int]? {
        guard let inputShape else { return nil }
        let dims = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--input-shape needs positive sizes such as 1,28,28, got '\(inputShape)'")
        }
        return dims.map { $0! }
    }

    func run() throws {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
        guard exists else {
            throw DescentError(.file, source, "no such file or folder (give a run folder or a weights file)")
        }
        let net: Module, shape: [Int], options: ONNXExportOptions
        if isFolder.boolValue {
            guard model == nil, config == nil, inputShape == nil else {
                throw ValidationError(
                    "a run folder brings its own model: leave out --model, --config and --input-shape")
            }
            let run = RunFolder(source)
            try run.requireFinished(option: "export", manifest: true, weights: true)
            let manifest = try RunManifest.read(from: run.directory)
            let trainingConfig = try TrainingConfig.load(
                contentsOf: run.directory.appendingPathComponent("config.yaml"))
            // A text run's model is built for its vocabulary (tokenizer.json), a language model's per step, so
            // that the exporter names the model it cannot export rather than a mismatch.
            let text = trainingConfig.data.dataset == .text
            net = try trainingConfig.model.makeModel(
                inputShape: manifest.inputShape, classes: manifest.outputs,
                vocabularySize: text ? try TextEncoder(contentsOf: run.directory).vocabulary.count : nil,
                perStep: trainingConfig.data.task == .languageModel)
            try net.loadWeights(from: run.directory.appendingPathComponent("model.safetensors"))
            shape = manifest.inputShape
            var runOptions = ONNXExportOptions(manifest: manifest, config: trainingConfig)
            if trainingConfig.data.dataset == .spellNumbers {
                // Greedy decoding in the graph, as long as descent predict's; the vocabulary spells the ids.
                let encoder = try TextEncoder(contentsOf: run.directory)
                runOptions.maxDecodingLength = SpellNumbers.length
                let tokens = try JSONSerialization.data(
                    withJSONObject: encoder.vocabulary.tokens, options: [.withoutEscapingSlashes])
                runOptions.metadata += [
                    ("max_length", "\(SpellNumbers.length)"), ("vocabulary", String(decoding: tokens, as: UTF8.self)),
                ]
            }
            options = runOptions
        } else {
            guard model != nil || config != nil else {
                throw ValidationError("a weights file needs --model NAME or --config FILE (or give a run folder)")
            }
            if let model {
                let zoo = try SummaryCommand.zoo(model)
                shape = try parsedInputShape() ?? zoo.defaultInput
                net = try SummaryCommand.build(zoo, inputShape: shape, classes: classes)
            } else {
                guard let given = try parsedInputShape() else {
                    throw ValidationError("--config needs --input-shape (the shape of one sample)")
                }
                shape = given
                net = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: config!)).model
                    .makeModel(inputShape: shape, classes: classes)
            }
            try net.loadWeights(from: URL(fileURLWithPath: source))
            let n = try NormalizationOption.parse(normalize)
            options = ONNXExportOptions(
                normalizeMean: n?.mean, normalizeStd: n?.std,
                classNames: classNames.map { $0.split(separator: ",").map(String.init) },
                graphName: model ?? "layers")
        }
        net.eval()
        try net.exportONNX(to: URL(fileURLWithPath: output), inputShape: shape, options: options)
        if net is Seq2Seq {
            print(
                "descent export: wrote \(output) (ONNX opset \(ONNXOpset.exported), input [batch, sequence] source token ids, output [batch, steps] greedy token ids, at most \(options.maxDecodingLength) steps)"
            )
            return
        }
        let normalized = options.normalizeMean.map { "(x − \($0)) / \(options.normalizeStd!) folded in" } ?? "none"
        print(
            "descent export: wrote \(output) (ONNX opset \(ONNXOpset.exported), input [batch, \(shape.map(String.init).joined(separator: ", "))]; normalisation: \(normalized); class names: \(options.classNames?.count ?? 0))"
        )
    }
}
